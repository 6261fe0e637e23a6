"""Emergency numbers: hours as people write them, one number of a kind at a time, the view's choice by
Berlin wall-clock time (DST included), who keeps them, and asking owners to confirm them."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.errors import PermissionDenied
from lms.extensions import db
from lms.netzwerk import hours, queries, services, upkeep
from lms.netzwerk.models import EmergencyNumber, EmergencyWindow
from lms.netzwerk.services import FieldRefused, NumberInput
from lms.notifications.models import OutboxMessage
from tests.conftest import in_parallel, login_as

OFFICE = "Mo–Do 08:00–16:00\nFr 08:00–13:00"
OUTSIDE = "Mo–Do 00:00–08:00\nMo–Do 16:00–24:00\nFr 00:00–08:00\nFr 13:00–24:00\nSa, So 00:00–24:00"


def berlin(text: str) -> datetime:
    from lms.ical import BERLIN

    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def region(create_region):
    return create_region("Dresden")


@pytest.fixture
def keeper(create_user, region):
    return create_user("coordinator", region=region)


@pytest.fixture
def save(keeper, region, now):
    def _save(hours_text=OFFICE, *, kind="youth_office", name="Jugendamt, ASD", phone="0351 000 1100", always=False,
              actor=None, number=None, region_id=None, at=None):
        saved = services.save_number(actor or keeper, number, NumberInput(
            region_id=region_id or region.id, kind=kind, name=name, phone=phone, note="", always=always,
            hours=hours_text), now=at or now)
        db.session.commit()
        return saved

    return _save


def count() -> int:
    return db.session.scalar(select(func.count(EmergencyNumber.id)))


# --- hours ---------------------------------------------------------------------------------------

def test_hours_are_read_as_written_and_written_back_joined():
    windows = hours.parse("Mo–Do 16:00–24:00\ndi-fr 00:00-08:00\nSa, So 0:00–24:00 Uhr")
    assert len(windows) == 4 + 4 + 2
    assert hours.lines(windows) == ["Mo–Do 16:00–24:00", "Di–Fr 00:00–08:00", "Sa, So 00:00–24:00"]
    assert hours.parse("\n".join(hours.lines(windows))) == windows


@pytest.mark.parametrize(("text", "message"), [
    ("Mo 16:00–08:00", "Zeile 1: Das Ende muss nach dem Beginn liegen"),
    ("Mo–Fr 08:00–16:00\nXy 10:00–11:00", "Zeile 2: Bitte nennen Sie die Tage"),
    ("Fr–Mo 08:00–16:00", "Zeile 1: Ein Zeitraum von Tagen"),
    ("Mo 25:00–26:00", "ist keine Uhrzeit"),
    ("Mo–Fr 08:00–16:00\nMi 15:00–18:00", "Zeile 2 überschneidet sich"),
    ("immer", "Zeile 1: Bitte schreiben Sie Tage und Zeiten"),
])
def test_hours_that_are_not_windows_are_refused_naming_the_line(text, message):
    with pytest.raises(hours.HoursError, match=message):
        hours.parse(text)


def test_a_window_keeps_its_berlin_hours_across_both_dst_changes():
    early_sunday = hours.parse("So 03:00–08:00")
    # 28 March 2027: at 01:00 UTC Berlin jumps from 02:00 CET to 03:00 CEST.
    assert hours.is_open(early_sunday, datetime(2027, 3, 28, 1, 30, tzinfo=UTC))  # 03:30 CEST
    assert not hours.is_open(early_sunday, datetime(2027, 3, 28, 0, 30, tzinfo=UTC))  # 01:30 CET
    # 31 October 2027: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:30 CET is 01:30 UTC.
    night = hours.parse("So 02:00–03:00")
    assert hours.is_open(night, datetime(2027, 10, 31, 1, 30, tzinfo=UTC))
    assert not hours.is_open(night, datetime(2027, 10, 31, 2, 30, tzinfo=UTC))  # 03:30 CET


# --- the rules -----------------------------------------------------------------------------------

def test_the_view_names_the_office_by_day_and_the_standby_service_at_night(save, region):
    save(OFFICE, name="Jugendamt, ASD")
    save(OUTSIDE, name="Bereitschaftsdienst", phone="0351 000 1199")
    save(always=True, kind="police", name="Polizeirevier", phone="0351 000 2200", hours_text="")
    monday_morning = queries.emergency_page(region, now=berlin("2026-11-16T10:00"))
    monday_evening = queries.emergency_page(region, now=berlin("2026-11-16T17:00"))
    friday_afternoon = queries.emergency_page(region, now=berlin("2026-11-20T13:00"))
    assert [n.name for n in monday_morning.now_reachable] == ["Jugendamt, ASD", "Polizeirevier"]
    assert [n.name for n in monday_evening.now_reachable] == ["Bereitschaftsdienst", "Polizeirevier"]
    assert [n.name for n in monday_evening.other_times] == ["Jugendamt, ASD"]
    assert [n.name for n in friday_afternoon.now_reachable] == ["Bereitschaftsdienst", "Polizeirevier"]


def test_of_one_kind_one_number_at_a_time_other_kinds_and_further_numbers_may_overlap(save):
    save(OFFICE)
    with pytest.raises(FieldRefused, match="überschneiden sich mit „Jugendamt, ASD“ \\(Mo–Do 08:00–16:00") as refused:
        save("Fr 12:00–18:00", name="Zweite Nummer")
    assert refused.value.form_field == "hours"
    db.session.rollback()
    with pytest.raises(FieldRefused, match="überschneiden"):
        save(always=True, name="Rund um die Uhr", hours_text="")
    db.session.rollback()
    save(OFFICE, kind="crisis", name="Krisendienst")
    save(OFFICE, kind="other", name="Beratungsstelle")
    save(OFFICE, kind="other", name="Zweite Beratungsstelle")
    assert count() == 4


def test_two_overlapping_numbers_saved_at_once_are_not_both_kept(app, keeper, region, now):
    """The overlap check reads before it writes: the region's row lock makes parallel saves take turns."""
    keeper_id, region_id = keeper.id, region.id
    db.session.remove()

    def save_at_once(name, hours_text):
        def call():
            services.save_number(db.session.get(User, keeper_id), None, NumberInput(
                region_id=region_id, kind="youth_office", name=name, phone="0351 000 1100", note="", always=False,
                hours=hours_text), now=now)
        return call

    errors = in_parallel(app, [save_at_once("Jugendamt, ASD", OFFICE), save_at_once("Zweite Nummer", "Fr 12:00–18:00")])
    assert len(errors) == 1 and "überschneiden sich" in errors[0]
    assert count() == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"phone": "bitte anrufen"}, "phone", "Telefonnummer aus Ziffern"),
    ({"phone": "12"}, "phone", "Telefonnummer aus Ziffern"),
    ({"hours_text": ""}, "hours", "wann die Nummer erreichbar ist"),
    ({"hours_text": "Mo 18:00–08:00"}, "hours", "Das Ende muss nach dem Beginn liegen"),
    ({"name": "  "}, "name", "wer unter der Nummer erreichbar ist"),
    ({"kind": "mystery"}, "kind", "Art aus der Liste"),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(save, changes, field, message):
    with pytest.raises(FieldRefused, match=message) as refused:
        save(**changes)
    assert refused.value.form_field == field
    db.session.rollback()
    assert count() == 0


def test_coordinators_keep_their_own_region_only_admins_every_region(save, create_user, create_region):
    elsewhere = create_region("Leipzig")
    with pytest.raises(PermissionDenied):
        save(region_id=elsewhere.id)
    db.session.rollback()
    number = save()
    stranger = create_user("coordinator", region=elsewhere)
    with pytest.raises(PermissionDenied):
        upkeep.confirm(stranger, number, now=datetime.now(UTC))
    with pytest.raises(PermissionDenied):
        save(actor=create_user("partner", region=number.region), name="Fremd")
    db.session.rollback()
    save(actor=create_user("admin"), region_id=elsewhere.id, name="Jugendamt Leipzig")
    assert count() == 2


def test_a_stale_number_asks_its_owner_once_even_across_a_restart_and_shows_unconfirmed_after_the_grace(
        app, save, keeper, now):
    number = save(at=now - timedelta(days=200))
    number_id, keeper_id, keeper_email = number.id, keeper.id, keeper.email
    assert upkeep.ask_owners_to_confirm(now=now) == 1
    db.session.commit()
    db.session.remove()  # a new scheduler process reads only what is stored
    assert upkeep.ask_owners_to_confirm(now=now + timedelta(hours=1)) == 0
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert [mail.recipient for mail in mails] == [keeper_email]
    assert "Stimmt die Nummer noch?" in mails[0].subject and f"/netzwerk/notrufnummern/{number_id}" in mails[0].body
    number = db.session.get(EmergencyNumber, number_id)
    after, grace = upkeep.confirm_periods()
    assert (after, grace) == (timedelta(days=183), timedelta(days=14))
    assert number.is_unconfirmed(now, after=after, grace=grace)
    assert not number.is_unconfirmed(now - timedelta(days=10), after=after, grace=grace)
    upkeep.confirm(db.session.get(User, keeper_id), number, now=now)
    db.session.commit()
    assert number.reminded_at is None and not number.is_unconfirmed(now, after=after, grace=grace)


# --- pages ---------------------------------------------------------------------------------------

def test_the_emergency_view_is_public_and_marks_what_is_reachable_now(client, save, region):
    save(OFFICE)  # FIXED_NOW is Monday 10:00 in Berlin
    save(OUTSIDE, name="Bereitschaftsdienst", phone="0351 000 1199")
    page = client.get(f"/notfall/{region.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Kinderschutz-Notfall in Dresden" in text
    now_part, later_part = text.split("Zu anderen Zeiten")
    assert 'href="tel:03510001100"' in now_part and "Bereitschaftsdienst" in later_part
    assert client.get("/notfall/9999").status_code == 404
    assert "Dresden" in client.get("/notfall").get_data(as_text=True)


def test_every_page_links_the_emergency_view_a_signed_in_person_straight_to_her_region(client, create_user, region):
    assert 'href="/notfall"' in client.get("/qualifizierung").get_data(as_text=True)
    login_as(client, create_user("partner", region=region))
    assert f'href="/notfall/{region.id}"' in client.get("/").get_data(as_text=True)
    assert "nicht buchen, sondern sofort anrufen" in client.get("/beratung").get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [("partner", 403), ("trainer", 403), ("expert", 403),
                                              ("coordinator", 200), ("admin", 200)])
def test_only_keepers_open_the_numbers(client, create_user, region, role, status):
    login_as(client, create_user(role, region=region))
    assert client.get("/netzwerk/notrufnummern").status_code == status
    assert client.get("/netzwerk/notrufnummern/neu").status_code == status


def test_the_form_re_renders_with_the_message_and_saves_nothing(client, keeper, region):
    login_as(client, keeper)
    page = client.post("/netzwerk/notrufnummern/neu", data={
        "region_id": region.id, "kind": "youth_office", "name": "ASD", "phone": "0351 000 1100",
        "hours": "Mo 16:00–08:00"})
    assert page.status_code == 422 and "Das Ende muss nach dem Beginn liegen" in page.get_data(as_text=True)
    assert count() == 0
    saved = client.post("/netzwerk/notrufnummern/neu", data={
        "region_id": region.id, "kind": "youth_office", "name": "ASD", "phone": "0351 000 1100", "hours": OFFICE})
    assert saved.status_code == 302 and count() == 1
    number = db.session.scalar(select(EmergencyNumber))
    assert hours.lines(number.windows) == ["Mo–Do 08:00–16:00", "Fr 08:00–13:00"]


def test_another_regions_number_is_403_and_a_deletion_asks_first(client, save, create_user, create_region):
    number = save()
    login_as(client, create_user("coordinator", region=create_region("Leipzig")))
    assert client.get(f"/netzwerk/notrufnummern/{number.id}").status_code == 403
    assert client.post(f"/netzwerk/notrufnummern/{number.id}/loeschen").status_code == 403
    keeper_client = client.application.test_client()
    login_as(keeper_client, number.owner)
    asked = keeper_client.post(f"/netzwerk/notrufnummern/{number.id}/loeschen")
    assert asked.status_code == 200 and "Wirklich die Nummer löschen?" in asked.get_data(as_text=True) and count() == 1
    keeper_client.post(f"/netzwerk/notrufnummern/{number.id}/loeschen", data={"bestaetigt": "1"})
    assert count() == 0 and db.session.scalar(select(func.count(EmergencyWindow.id))) == 0


def test_the_list_and_the_view_run_the_same_statements_for_few_and_many_numbers(client, app, keeper, region, now,
                                                                                 count_queries):
    def add(many):
        for index in range(many):
            db.session.add(EmergencyNumber(region_id=region.id, kind="other", name=f"Nummer {index}", phone="110",
                                           note="", always=False, owner_id=keeper.id, confirmed_at=now,
                                           created_at=now, updated_at=now,
                                           window_rows=[EmergencyWindow(weekday=0, starts=0, ends=600)]))
        db.session.commit()

    login_as(client, keeper)
    counts = []
    for many in (3, 30):
        add(many)
        with count_queries() as statements:
            assert client.get("/netzwerk/notrufnummern").status_code == 200
            assert client.get(f"/notfall/{region.id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
