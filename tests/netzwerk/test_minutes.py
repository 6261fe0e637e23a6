"""What a meeting leaves behind: attendance, the minutes' correction and approval cycle, decisions
numbered per body and year (also in parallel), tasks with owners, their reminders and the pages."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.netzwerk import bodies, directory, meetings, minutes
from lms.netzwerk.bodies import BodyInput
from lms.netzwerk.minutes import TaskInput
from lms.netzwerk.models import Decision, Meeting, MeetingAttendance, Minutes, Task
from lms.netzwerk.services import FieldRefused
from lms.notifications.models import OutboxMessage
from tests.conftest import in_parallel, login_as
from tests.instrumente.conftest import pdf_bytes
from tests.netzwerk.conftest import plan


@pytest.fixture
def held(steering, keeper, now):
    """A meeting of the Steuerungsgruppe that took place last week."""
    return plan(keeper, steering, now, starts_at=now - timedelta(days=7), ends_at=now - timedelta(days=7, hours=-2))


def mails(subject_start):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.startswith(subject_start))
                              .order_by(OutboxMessage.id)).all()


def test_attendance_is_the_invited_who_came_with_the_institution_whose_seat_they_filled(held, steering, keeper,
                                                                                       create_user, region, now):
    people = steering.people
    minutes.record_attendance(keeper, held, {people["Vertretung"].id, people["Gast"].id}, now=now)
    db.session.commit()
    rows = {row.user.name: row.institution.name if row.institution else None for row in held.attendance}
    assert rows == {"Vertretung": "Kita Regenbogen", "Gast": None}
    minutes.record_attendance(keeper, held, {people["Delegierte"].id}, now=now)  # replaces the set
    db.session.commit()
    assert [row.user_id for row in held.attendance] == [people["Delegierte"].id]
    with pytest.raises(FieldRefused, match="nur Eingeladene"):
        minutes.record_attendance(keeper, held, {create_user("partner", region=region).id}, now=now)
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        minutes.record_attendance(people["Gast"], held, {people["Gast"].id}, now=now)
    coming = plan(keeper, steering, now)
    with pytest.raises(Conflict, match="ab Beginn der Sitzung"):
        minutes.record_attendance(keeper, coming, set(), now=now)
    db.session.rollback()
    meetings.cancel_meeting(keeper, coming, now=now)
    with pytest.raises(Conflict, match="abgesagt"):
        minutes.record_attendance(keeper, coming, set(), now=coming.ends_at)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(MeetingAttendance)) == 1


def test_draft_then_corrections_in_the_period_then_approval_by_the_chair_freezes_them(
        held, steering, keeper, create_user, region, now, app):
    people, item = steering.people, held.items[0]
    colleague = create_user("coordinator", region=region)
    bodies.save_body(keeper, steering, BodyInput(region_id=region.id, kind="steering", name="Steuerungsgruppe",
                                                 chair_email=keeper.email), now=now)
    minutes.save_notes(colleague, held, {item.id: "Bericht vorgetragen."}, now=now)
    db.session.commit()
    assert minutes.can_see_minutes(colleague, held) and not minutes.can_see_minutes(people["Gast"], held)
    with pytest.raises(Conflict, match="zur Korrektur"):
        minutes.approve(keeper, held, now=now)
    db.session.rollback()
    with pytest.raises(Conflict, match="Korrekturfrist"):
        minutes.add_correction(people["Gast"], held, "Ich war da.", now=now)
    db.session.rollback()

    minutes.send_for_review(keeper, held, now=now)
    db.session.commit()
    assert held.minutes.review_until == now + timedelta(days=app.config["NETWORK_MINUTES_REVIEW_DAYS"])
    assert sorted(mail.recipient for mail in mails("Protokoll zur Korrektur")) == sorted(
        person.email for person in people.values())
    assert minutes.can_see_minutes(people["Gast"], held)
    minutes.add_correction(people["Gast"], held, "Unter TOP 1 fehlt der Hinweis auf die Ferien.", now=now)
    with pytest.raises(PermissionDenied):
        minutes.add_correction(create_user("partner", region=region), held, "Fremd", now=now)
    with pytest.raises(FieldRefused):
        minutes.add_correction(people["Gast"], held, "  ", now=now)
    db.session.rollback()
    minutes.save_notes(keeper, held, {item.id: "Bericht vorgetragen, auch zu den Ferien."}, now=now)
    db.session.commit()  # the keepers still edit in the period
    with pytest.raises(Conflict, match="Korrekturfrist läuft noch"):
        minutes.approve(keeper, held, now=now + timedelta(days=13))
    db.session.rollback()
    later = held.minutes.review_until
    with pytest.raises(PermissionDenied):  # the body has a chair: she approves, not every keeper
        minutes.approve(colleague, held, now=later)
    with pytest.raises(Conflict, match="Korrekturfrist"):
        minutes.add_correction(people["Gast"], held, "Zu spät.", now=later)
    db.session.rollback()
    minutes.approve(keeper, held, now=later)
    db.session.commit()

    record = db.session.get(Minutes, held.id)
    assert (record.state, record.approved_by_id, record.approved_at) == ("approved", keeper.id, later)
    for change in (lambda: minutes.save_notes(keeper, held, {item.id: "geändert"}, now=later),
                   lambda: minutes.record_attendance(keeper, held, set(), now=later),
                   lambda: minutes.add_decision(keeper, held, "Nachträglich", now=later),
                   lambda: meetings.add_item(keeper, held, title="Nachtrag")):
        with pytest.raises(Conflict, match="genehmigt"):
            change()
        db.session.rollback()
    with pytest.raises(Conflict, match="schon genehmigt"):
        minutes.approve(keeper, held, now=later)
    db.session.rollback()
    assert db.session.get(Meeting, held.id).items[0].notes == "Bericht vorgetragen, auch zu den Ferien."
    minutes.add_amendment(keeper, held, "Berichtigung: Die Sitzung endete um 16:30 Uhr.", now=later)
    with pytest.raises(PermissionDenied):
        minutes.add_amendment(people["Gast"], held, "Ich auch", now=later)
    db.session.commit()
    assert [remark.kind for remark in db.session.get(Minutes, held.id).remarks] == ["correction", "amendment"]


def test_without_a_chair_a_keeper_approves_and_a_zero_period_allows_it_at_once(held, keeper, app, now):
    app.config["NETWORK_MINUTES_REVIEW_DAYS"] = 0
    minutes.send_for_review(keeper, held, now=now)
    minutes.approve(keeper, held, now=now)
    db.session.commit()
    assert db.session.get(Minutes, held.id).frozen


def test_decisions_are_numbered_per_body_and_year_in_order(held, steering, keeper, region, now):
    first = minutes.add_decision(keeper, held, "Die Vereinbarung wird fortgeschrieben.", now=now)
    second = minutes.add_decision(keeper, held, "Die AG Schule berichtet im Frühjahr.", now=now)
    older = plan(keeper, steering, now, starts_at=now - timedelta(days=400), ends_at=now - timedelta(days=400, hours=-1))
    other = bodies.save_body(keeper, None, BodyInput(region_id=region.id, kind="project", name="AG"), now=now)
    elsewhere = plan(keeper, other, now, starts_at=held.starts_at, ends_at=held.ends_at)
    assert [first.label, second.label] == ["2026/1", "2026/2"]
    assert minutes.add_decision(keeper, older, "Alt", now=now).label == "2025/1"
    assert minutes.add_decision(keeper, elsewhere, "Andere", now=now).label == "2026/1"
    with pytest.raises(FieldRefused, match="Wortlaut"):
        minutes.add_decision(keeper, held, " ", now=now)


def test_parallel_decisions_of_one_body_get_distinct_consecutive_numbers(app, held, steering, keeper, now):
    """Across meetings of the same body and year, so that the meeting's own lock does not serialise them."""
    others = [plan(keeper, steering, now, starts_at=held.starts_at - timedelta(days=days),
                   ends_at=held.ends_at - timedelta(days=days)) for days in (1, 2)]
    keeper_id, meeting_ids = keeper.id, [held.id] + [meeting.id for meeting in others]

    def decide(index):
        return lambda: minutes.add_decision(db.session.get(User, keeper_id),
                                            db.session.get(Meeting, meeting_ids[index % 3]), f"Beschluss {index}", now=now)

    assert in_parallel(app, [decide(index) for index in range(6)]) == []
    numbers = db.session.scalars(select(Decision.number).where(Decision.body_id == steering.id)).all()
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_a_task_needs_one_owner_and_a_due_day_from_today(held, steering, keeper, institution, create_region,
                                                         create_user, now):
    today = now.date()
    leipzig = create_region("Leipzig")
    far = institution("Kita Fern", regions=[leipzig.id], actor=create_user("coordinator", region=leipzig))
    for data, message in ((TaskInput("Entwurf", today), "Person oder eine Einrichtung"),
                          (TaskInput("Entwurf", today, owner_email=keeper.email,
                                     institution_id=steering.members[0].institution_id), "Person oder eine Einrichtung"),
                          (TaskInput("Entwurf", today - timedelta(days=1), owner_email=keeper.email), "ab heute"),
                          (TaskInput("", today, owner_email=keeper.email), "beschreiben"),
                          (TaskInput("Entwurf", today, owner_email="niemand@example.org"), "kein aktives Konto"),
                          (TaskInput("Entwurf", today, institution_id=far.id), "Einrichtung der Region")):
        with pytest.raises(FieldRefused, match=message):
            minutes.add_task(keeper, held, data, today=today, now=now)
        db.session.rollback()
    assert db.session.scalar(select(func.count(Task.id))) == 0


def test_tasks_show_to_their_people_and_are_done_by_them(client, held, steering, keeper, create_user, region, now):
    kita_id, people = steering.members[0].institution_id, steering.people
    member = create_user("partner", region=region, name="Erzieherin")
    directory.add_member(keeper, steering.members[0].institution, member.email, follow=False)
    own = minutes.add_task(keeper, held, TaskInput("Protokoll verteilen", now.date() + timedelta(days=3),
                                                   owner_email=people["Gast"].email), today=now.date(), now=now)
    kitas = minutes.add_task(keeper, held, TaskInput("Elternbrief entwerfen", now.date() + timedelta(days=20),
                                                     institution_id=kita_id), today=now.date(), now=now)
    db.session.commit()
    seen = {person.name: [task.title for task in db.session.scalars(minutes.tasks_of(person))]
            for person in (people["Gast"], people["Delegierte"], people["Vertretung"], member, keeper)}
    assert seen == {"Gast": ["Protokoll verteilen"], "Delegierte": ["Elternbrief entwerfen"],
                    "Vertretung": ["Elternbrief entwerfen"], "Erzieherin": ["Elternbrief entwerfen"], keeper.name: []}
    login_as(client, member)
    start = client.get("/").get_data(as_text=True)
    assert 'id="start-tasks"' in start and "Elternbrief entwerfen" in start and "Protokoll verteilen" not in start
    assert client.post(f"/netzwerk/aufgaben/{own.id}/stand", data={"state": "done"}).status_code == 403
    assert client.post(f"/netzwerk/aufgaben/{kitas.id}/stand", data={"state": "done"}).status_code == 302
    db.session.refresh(kitas)
    assert kitas.state == "done"
    assert "Elternbrief entwerfen" not in client.get("/netzwerk/aufgaben").get_data(as_text=True)
    assert "Elternbrief entwerfen" in client.get("/netzwerk/aufgaben?erledigt=1").get_data(as_text=True)
    assert client.get(f"/netzwerk/gremien/{steering.id}/aufgaben").status_code == 404  # she does not sit in it


def test_task_reminders_go_once_within_the_days_before_the_due_day(app, held, steering, keeper, now):
    emails = sorted((steering.people["Delegierte"].email, steering.people["Vertretung"].email))
    soon = minutes.add_task(keeper, held, TaskInput("Bald", now.date() + timedelta(days=5),
                                                    institution_id=steering.members[0].institution_id),
                            today=now.date(), now=now)
    minutes.add_task(keeper, held, TaskInput("Später", now.date() + timedelta(days=30), owner_email=keeper.email),
                     today=now.date(), now=now)
    done = minutes.add_task(keeper, held, TaskInput("Schon erledigt", now.date() + timedelta(days=1),
                                                    owner_email=keeper.email), today=now.date(), now=now)
    minutes.set_task_state(keeper, done, "done", now=now)
    soon_id = soon.id
    db.session.commit()
    assert minutes.remind_task_owners(now=now) == 1
    db.session.remove()  # a restarted scheduler: a new session, the same database
    assert minutes.remind_task_owners(now=now + timedelta(hours=1)) == 0
    sent = mails("Aufgabe fällig")
    assert sorted(mail.recipient for mail in sent) == emails
    assert "Bald" in sent[0].subject and db.session.get(Task, soon_id).reminded_at == now


def test_the_minutes_pages_for_keepers_the_invited_and_others(client, held, steering, keeper, create_user, region,
                                                              app):
    app.config["NETWORK_MINUTES_REVIEW_DAYS"] = 0
    guest, item = steering.people["Gast"], held.items[0]
    path = f"/netzwerk/sitzungen/{held.id}"
    login_as(client, keeper)
    coming = plan(keeper, steering, held.starts_at + timedelta(days=30))
    early = client.get(f"/netzwerk/sitzungen/{coming.id}/protokoll", follow_redirects=True)
    assert "ab Beginn der Sitzung" in early.get_data(as_text=True)  # no form before the meeting
    page = client.get(f"{path}/protokoll").get_data(as_text=True)
    assert "Anwesend" in page and "1. Bericht der AG Schule" in page
    saved = client.post(f"{path}/protokoll", data={"present": [guest.id], f"notes_{item.id}": "Die AG berichtet."})
    assert saved.status_code == 302
    refused = client.post(f"{path}/aufgaben", data={"title": "Brief", "due_on": "2026-12-01"})
    assert refused.status_code == 422 and "Person oder eine Einrichtung" in refused.get_data(as_text=True)
    assert client.post(f"{path}/beschluesse", data={"text": "Die AG setzt ihre Arbeit fort."}).status_code == 302
    guest_client = client.application.test_client()
    login_as(guest_client, guest)
    assert "Die AG berichtet." not in guest_client.get(path).get_data(as_text=True)  # a draft is the keepers'
    assert guest_client.get(f"{path}/protokoll").status_code == 403
    assert guest_client.get(f"/netzwerk/gremien/{steering.id}/beschluesse").get_data(as_text=True).count(
        "Die AG setzt") == 0  # not in the register before approval
    assert client.post(f"{path}/protokoll/zur-korrektur").status_code == 302
    page = guest_client.get(path).get_data(as_text=True)
    assert "Die AG berichtet." in page and "Beschluss 2026/1" in page and "Gast" in page
    assert guest_client.post(f"{path}/protokoll/genehmigen").status_code == 403
    assert client.post(f"{path}/protokoll/genehmigen").status_code == 302
    frozen = client.post(f"{path}/protokoll", data={"present": [], f"notes_{item.id}": "Anders."},
                         follow_redirects=True)
    assert "Das Protokoll ist genehmigt" in frozen.get_data(as_text=True)
    assert db.session.get(Meeting, held.id).items[0].notes == "Die AG berichtet."
    register = guest_client.get(f"/netzwerk/gremien/{steering.id}/beschluesse?q=Arbeit").get_data(as_text=True)
    assert "Die AG setzt ihre Arbeit fort." in register and "2026/1" in register
    assert "Die AG setzt" not in guest_client.get(
        f"/netzwerk/gremien/{steering.id}/beschluesse?q=Ferien").get_data(as_text=True)
    stranger = client.application.test_client()
    login_as(stranger, create_user("partner", region=region))
    assert stranger.get(path).status_code == 404 and stranger.get(f"{path}/protokoll").status_code == 404


def test_the_meeting_and_register_pages_cost_the_same_for_few_and_many(client, steering, keeper, count_queries, now):
    login_as(client, keeper)
    counts = []
    for many in (2, 40):
        meeting = plan(keeper, steering, now, starts_at=now - timedelta(days=many),
                       ends_at=now - timedelta(days=many, hours=-1))
        people = {person.id for person in meetings.invited(meeting)}
        minutes.record_attendance(keeper, meeting, people, now=now)
        for index in range(many):
            minutes.add_decision(keeper, meeting, f"Beschluss {index}", now=now)
            minutes.add_task(keeper, meeting, TaskInput(f"Aufgabe {index}", now.date(), owner_email=keeper.email),
                             today=now.date(), now=now)
            meetings.add_item(keeper, meeting, title=f"Punkt {index}")
        db.session.commit()
        with count_queries() as statements:
            for path in (f"/netzwerk/sitzungen/{meeting.id}", f"/netzwerk/sitzungen/{meeting.id}/protokoll",
                         f"/netzwerk/gremien/{steering.id}", f"/netzwerk/gremien/{steering.id}/beschluesse",
                         f"/netzwerk/gremien/{steering.id}/aufgaben", "/netzwerk/aufgaben", "/"):
                assert client.get(path).status_code == 200, path
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_the_meetings_of_ones_bodies_are_in_meine_termine_with_ones_answer(client, steering, keeper, now):
    coming, cancelled = plan(keeper, steering, now), plan(keeper, steering, now, starts_at=now + timedelta(days=9),
                                                         ends_at=now + timedelta(days=9, hours=1))
    plan(keeper, steering, now, starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=3, hours=-1))
    meetings.cancel_meeting(keeper, cancelled, now=now)
    delegate = steering.people["Delegierte"]
    meetings.reply(delegate, coming, "deputy", now=now)
    db.session.commit()
    login_as(client, delegate)
    page = client.get("/termine").get_data(as_text=True)
    assert page.count("Sitzung: Steuerungsgruppe") == 1  # neither the cancelled nor the past one
    assert f'href="/netzwerk/sitzungen/{coming.id}"' in page and "Meine Vertretung nimmt teil" in page
    login_as(client, keeper)  # keeps the body but does not sit in it
    assert "Sitzung: Steuerungsgruppe" not in client.get("/termine").get_data(as_text=True)


def test_a_year_of_500_meetings_costs_the_pages_no_more_statements_than_five(client, steering, keeper, count_queries,
                                                                             now):
    delegate = steering.people["Delegierte"]
    viewers = {keeper.id: client, delegate.id: client.application.test_client()}
    login_as(viewers[keeper.id], keeper)
    login_as(viewers[delegate.id], delegate)

    def add(count):
        first = db.session.scalar(select(func.count(Meeting.id)))
        db.session.add_all(Meeting(body_id=steering.id, starts_at=now + timedelta(hours=17 * index),
                                   ends_at=now + timedelta(hours=17 * index + 2), place="Rathaus", state="planned",
                                   sequence=0, created_at=now, updated_at=now)
                           for index in range(first, first + count))
        db.session.commit()

    def statements():
        with count_queries() as found:
            for path in (f"/netzwerk/gremien/{steering.id}", "/netzwerk/gremien", "/termine", "/termine?ansicht=alle",
                         f"/netzwerk/gremien/{steering.id}/beschluesse", "/"):
                for viewer in viewers.values():
                    assert viewer.get(path).status_code == 200, path
        return len(found)

    add(5)
    few = statements()
    add(495)
    assert statements() == few
    page = viewers[keeper.id].get(f"/netzwerk/gremien/{steering.id}").get_data(as_text=True)
    assert "Seite 1 von 20 (500 Einträge)" in page


def test_agenda_items_carry_a_library_document_or_an_upload_for_those_who_see_the_meeting(
        client, held, steering, keeper, create_user, region):
    path = f"/netzwerk/sitzungen/{held.id}"
    login_as(client, keeper)
    refused = client.post(f"{path}/tagesordnung", data={"title": "Leitfaden", "document": "/instrumente/999999"})
    assert refused.status_code == 422 and "kein veröffentlichtes Instrument" in refused.get_data(as_text=True)
    disguised = client.post(f"{path}/tagesordnung", data={
        "title": "Entwurf", "file": (io.BytesIO(b"<html><script>x</script>"), "entwurf.pdf")},
        content_type="multipart/form-data")
    assert disguised.status_code == 422 and len(db.session.get(Meeting, held.id).items) == 2
    added = client.post(f"{path}/tagesordnung", data={
        "title": "Entwurf der Vereinbarung", "presenter": "Frau Beispiel",
        "file": (io.BytesIO(pdf_bytes("Entwurf")), "Entwurf Vereinbarung.pdf")}, content_type="multipart/form-data")
    assert added.status_code == 302
    db.session.expire_all()  # the requests ran in sessions of their own
    item = db.session.get(Meeting, held.id).items[-1]
    assert (item.position, item.presenter, item.filename) == (3, "Frau Beispiel", "Entwurf Vereinbarung.pdf")
    member = client.application.test_client()
    login_as(member, steering.people["Gast"])
    assert "Datei: Entwurf Vereinbarung.pdf" in member.get(path).get_data(as_text=True)
    got = member.get(f"/netzwerk/tagesordnung/{item.id}/datei")
    assert got.status_code == 200 and got.data == pdf_bytes("Entwurf") and got.mimetype == "application/pdf"
    assert got.headers["Cache-Control"] == "private, no-store"
    stranger = client.application.test_client()
    login_as(stranger, create_user("partner", region=region))
    assert stranger.get(f"/netzwerk/tagesordnung/{item.id}/datei").status_code == 404
    assert client.post(f"/netzwerk/tagesordnung/{held.items[0].id}/entfernen").status_code == 302
    db.session.expire_all()
    assert [(kept.position, kept.title) for kept in db.session.get(Meeting, held.id).items] == [
        (1, "Kooperationsvereinbarung Kitas"), (2, "Entwurf der Vereinbarung")]


def test_the_task_form_finds_an_institution_of_the_region_by_search(client, held, steering, keeper, institution,
                                                                     create_region, create_user):
    far = institution("Klinikum Leipzig", actor=create_user("admin"), regions=[create_region("Leipzig").id])
    near = institution("Klinikum Dresden", kind="medical", sector="health")
    login_as(client, keeper)
    path = f"/netzwerk/sitzungen/{held.id}"
    task = {"title": "Brief an die Kliniken", "due_on": "2026-12-01"}
    response = client.post(f"{path}/aufgaben", data={**task, "institution_id-suche": "klinikum",
                                                     "institution_id-suchen": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    offered = 'name="institution_id" type="checkbox" value="{}"'.format
    assert offered(near.id) in page and offered(far.id) not in page
    assert db.session.scalar(select(func.count(Task.id))) == 0  # a search saves nothing
    refused = client.post(f"{path}/aufgaben", data={**task, "institution_id": far.id})
    assert refused.status_code == 422 and "Bitte wählen Sie eine Einrichtung der Region." in refused.get_data(
        as_text=True)
    assert client.post(f"{path}/aufgaben", data={**task, "institution_id": near.id}).status_code == 302
    assert [t.institution_id for t in db.session.scalars(select(Task))] == [near.id]
