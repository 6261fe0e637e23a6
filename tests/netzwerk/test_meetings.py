"""A body's meetings: planned by its keepers with an iTIP invitation to everyone who sits in it,
changed with a higher SEQUENCE, cancelled with METHOD:CANCEL, and answered by the invited only."""
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.ical import BERLIN
from lms.netzwerk import meetings
from lms.netzwerk.meetings import MeetingInput
from lms.netzwerk.models import Meeting, MeetingReply
from lms.netzwerk.services import FieldRefused
from lms.notifications.models import OutboxMessage
from tests.conftest import in_parallel, login_as
from tests.netzwerk.conftest import plan


def calendars(method=None):
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [(mail, icalendar.Calendar.from_ical(mail.calendar)) for mail in mails
            if mail.calendar and (method is None or mail.calendar_method == method)]


def test_everyone_who_sits_in_the_body_is_invited_once_with_an_itip_request(steering, keeper, now):
    meeting = plan(keeper, steering, now)
    sent = calendars("REQUEST")
    assert sorted(mail.recipient for mail, _calendar in sent) == sorted(
        person.email for person in steering.people.values())  # delegate, deputy and guest; the school sent nobody
    mail, calendar = sent[0]
    event = calendar.walk("VEVENT")[0]
    assert calendar["METHOD"] == "REQUEST" and str(event["UID"]).startswith(f"meeting-{meeting.id}@")
    assert int(event["SEQUENCE"]) == 0 and event["SUMMARY"] == "Steuerungsgruppe"
    assert event.decoded("DTSTART") == meeting.starts_at and "Rathaus, Raum 1" in str(event["LOCATION"])
    assert str(event["ORGANIZER"]).lower() == f"mailto:{keeper.email}"
    assert len(event["ATTENDEE"]) == 3 and mail.subject.startswith("Einladung: Steuerungsgruppe am ")
    past = plan(keeper, steering, now, starts_at=now - timedelta(days=7), ends_at=now - timedelta(days=7, hours=-2))
    assert past.id and len(calendars()) == 3  # a meeting already over is recorded, not put into calendars


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"ends_at": "before"}, "end_time", "Ende liegt vor dem Beginn"),
    ({"place": "", "online_url": ""}, "place", "Ort oder einen Link"),
    ({"online_url": "http://meet.example.org/ag"}, "online_url", "https://"),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_saved_or_sent(steering, keeper, now, changes, field,
                                                                        message):
    if changes.get("ends_at") == "before":
        changes["ends_at"] = now + timedelta(days=6)
    with pytest.raises(FieldRefused, match=message) as refused:
        plan(keeper, steering, now, **changes)
    assert refused.value.form_field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(Meeting.id))) == 0 and calendars() == []


def test_a_change_counts_up_the_sequence_and_a_cancellation_removes_it_from_the_calendars(steering, keeper, now):
    meeting = plan(keeper, steering, now)
    meetings.change_meeting(keeper, meeting, MeetingInput(
        starts_at=meeting.starts_at + timedelta(hours=1), ends_at=meeting.ends_at + timedelta(hours=1),
        online_url="https://meet.example.org/steuerung"), now=now)
    db.session.commit()
    changed = calendars("REQUEST")[-1]
    assert int(changed[1].walk("VEVENT")[0]["SEQUENCE"]) == 1 and changed[0].subject.startswith("Sitzung geändert")
    meetings.cancel_meeting(keeper, meeting, now=now)
    db.session.commit()
    cancelled = calendars("CANCEL")
    assert len(cancelled) == 3
    event = cancelled[0][1].walk("VEVENT")[0]
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (2, "CANCELLED")
    with pytest.raises(Conflict, match="abgesagt"):
        meetings.change_meeting(keeper, meeting, MeetingInput(starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                                                              place="Rathaus"), now=now)
    with pytest.raises(PermissionDenied):
        meetings.cancel_meeting(steering.people["Gast"], meeting, now=now)


def test_only_the_invited_answer_and_a_deputy_only_where_one_is_named(steering, keeper, create_user, region, now):
    meeting = plan(keeper, steering, now)
    delegate, guest = steering.people["Delegierte"], steering.people["Gast"]
    with pytest.raises(PermissionDenied):
        meetings.reply(create_user("partner", region=region), meeting, "accepted", now=now)
    meetings.reply(guest, meeting, "accepted", now=now)
    meetings.reply(guest, meeting, "declined", now=now)  # a later answer replaces the first
    with pytest.raises(FieldRefused, match="Vertretung ist für Sie nicht eingetragen"):
        meetings.reply(guest, meeting, "deputy", now=now)
    meetings.reply(delegate, meeting, "deputy", now=now)
    db.session.commit()
    assert (meeting.answer_of(guest.id), meeting.answer_of(delegate.id)) == ("declined", "deputy")
    meetings.change_meeting(keeper, meeting, MeetingInput(starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                                                          place="Rathaus, Raum 2"), now=now)
    attendees = {str(attendee).lower(): attendee.params["PARTSTAT"]
                 for attendee in calendars("REQUEST")[-1][1].walk("VEVENT")[0]["ATTENDEE"]}
    assert attendees[f"mailto:{guest.email}"] == "DECLINED"
    assert attendees[f"mailto:{steering.people['Vertretung'].email}"] == "NEEDS-ACTION"
    with pytest.raises(Conflict, match="vergangene"):
        meetings.reply(guest, meeting, "accepted", now=meeting.ends_at)


def test_the_meeting_page_is_for_whoever_sees_the_body_and_answers_go_by_post(client, steering, keeper, create_user,
                                                                              create_region, now):
    meeting = plan(keeper, steering, now, online_url="https://meet.example.org/steuerung")
    path = f"/netzwerk/sitzungen/{meeting.id}"
    assert client.get(path).status_code == 404  # an internal body's meeting
    login_as(client, create_user("coordinator", region=create_region("Leipzig")))
    assert client.get(path).status_code == 404
    guest = client.application.test_client()
    login_as(guest, steering.people["Gast"])
    page = guest.get(path).get_data(as_text=True)
    assert "Ich nehme teil" in page and "Meine Vertretung nimmt teil" not in page and "meet.example.org" in page
    assert guest.post(f"{path}/antwort", data={"answer": "accepted"}).status_code == 302
    assert guest.get(f"{path}/bearbeiten").status_code == 403
    own = client.application.test_client()
    login_as(own, keeper)
    assert "Gast: Ich nehme teil" in own.get(path).get_data(as_text=True)
    form = own.get(f"{path}/bearbeiten").get_data(as_text=True)
    assert 'value="Rathaus, Raum 1"' in form and 'name="agenda"' not in form  # the agenda is kept on the page
    refused = own.post(f"/netzwerk/gremien/{steering.id}/sitzungen/neu", data={
        "day": "2026-12-20", "start_time": "18:00", "end_time": "16:00", "place": "Rathaus"})
    assert refused.status_code == 422 and "Ende liegt vor dem Beginn" in refused.get_data(as_text=True)
    asked = own.post(f"{path}/absagen")
    assert asked.status_code == 200 and "Wirklich die Sitzung absagen?" in asked.get_data(as_text=True)
    assert own.post(f"{path}/absagen", data={"bestaetigt": "1"}).status_code == 302
    assert db.session.get(Meeting, meeting.id).state == "cancelled"


def test_the_meetings_are_in_the_private_feeds_of_the_invited_and_a_public_body_has_its_own(
        client, steering, keeper, create_user, region, now):
    from lms.kalender import services as feeds

    meeting = plan(keeper, steering, now)

    def feed_of(user):
        row = feeds.ensure_token(user, now=now)
        db.session.commit()
        response = client.get(f"/kalender/{feeds.token_value(row)}.ics")
        assert response.status_code == 200
        return response

    delegate = steering.people["Delegierte"]
    first = feed_of(delegate)
    assert f"UID:meeting-{meeting.id}@".encode() in first.data
    assert b"UID:meeting-" not in feed_of(create_user("partner", region=region)).data  # sits in no body
    assert client.get(f"/kalender/gremien/{steering.id}.ics").status_code == 404  # internal: no public feed
    meetings.cancel_meeting(keeper, meeting, now=now)
    db.session.commit()
    cancelled = feed_of(delegate)
    assert cancelled.headers["ETag"] != first.headers["ETag"] and b"STATUS:CANCELLED" in cancelled.data
    steering.public = True
    db.session.commit()
    assert b"STATUS:CANCELLED" in client.get(f"/kalender/gremien/{steering.id}.ics").data


def test_a_series_is_single_meetings_at_the_same_berlin_time_each_with_its_own_invitation(steering, keeper, now):
    first = datetime(2026, 10, 13, 14, 0, tzinfo=BERLIN)  # the 2nd Tuesday of October, before the DST change
    data = MeetingInput(starts_at=first.astimezone(UTC), ends_at=(first + timedelta(hours=2)).astimezone(UTC),
                        place="Rathaus", agenda="Bericht")
    planned = meetings.plan_series(keeper, steering, data, "monthly", 4, now=now)
    db.session.commit()
    berlin = [meeting.starts_at.astimezone(BERLIN) for meeting in planned]
    assert [(moment.date().isoformat(), moment.hour) for moment in berlin] == [
        ("2026-10-13", 14), ("2026-11-10", 14), ("2026-12-08", 14), ("2027-01-12", 14)]
    assert {meeting.series_id for meeting in planned} == {planned[0].id}
    assert all(meeting.items[0].title == "Bericht" for meeting in planned)
    assert len(calendars("REQUEST")) == 2 * 3  # October and November are over: no invitation
    assert meetings.series_days(date(2026, 1, 29), "monthly", 2) == [date(2026, 1, 29), date(2026, 2, 26)]
    assert meetings.series_days(date(2026, 3, 31), "biweekly", 2) == [date(2026, 3, 31), date(2026, 4, 14)]
    for repeat, count, field in (("daily", 3, "repeat"), ("weekly", 1, "count"), ("weekly", 13, "count")):
        with pytest.raises(FieldRefused) as refused:
            meetings.plan_series(keeper, steering, data, repeat, count, now=now)
        assert refused.value.form_field == field
        db.session.rollback()
    meetings.cancel_meeting(keeper, planned[1], now=now)  # one of them alone
    db.session.commit()
    assert [meeting.state for meeting in planned] == ["planned", "cancelled", "planned", "planned"]


def test_the_form_plans_a_weekly_series_and_the_meeting_page_links_its_dates(client, steering, keeper):
    login_as(client, keeper)
    refused = client.post(f"/netzwerk/gremien/{steering.id}/sitzungen/neu", data={
        "day": "2026-12-01", "start_time": "10:00", "end_time": "11:00", "place": "Rathaus", "repeat": "weekly",
        "count": "20"})
    assert refused.status_code == 422 and "2 bis 12 Termine" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Meeting.id))) == 0
    saved = client.post(f"/netzwerk/gremien/{steering.id}/sitzungen/neu", data={
        "day": "2026-12-01", "start_time": "10:00", "end_time": "11:00", "place": "Rathaus", "repeat": "weekly",
        "count": "3"}, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "Sitzungen der Reihe sind gespeichert" in page and "Termin 1 von 3 einer Reihe" in page
    assert "08.12.2026" in page and "15.12.2026" in page


def test_parallel_answers_of_one_person_leave_one_answer(app, steering, keeper, now):
    meeting_id, guest_id = plan(keeper, steering, now).id, steering.people["Gast"].id
    db.session.remove()

    def answer(value):
        return lambda: meetings.reply(db.session.get(User, guest_id), db.session.get(Meeting, meeting_id), value,
                                      now=now)

    assert in_parallel(app, [answer("accepted"), answer("declined"), answer("accepted"), answer("declined")]) == []
    answers = db.session.scalars(select(MeetingReply.answer).where(MeetingReply.meeting_id == meeting_id)).all()
    assert len(answers) == 1 and answers[0] in ("accepted", "declined")
