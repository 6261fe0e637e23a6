"""Consultation statistics: metadata only, for admins and coordinators, and no published figure
that describes fewer than five bookers or lets one be recovered from the total."""
import dataclasses
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.beratung import services
from lms.beratung.models import Consultation
from lms.beratung.services import BookingInput, CaseInput
from lms.beratung.statistics import COUNTED, statistics
from lms.disclosure import COMPLEMENT, SMALL, Figure
from lms.errors import PermissionDenied
from lms.extensions import db
from lms.ical import BERLIN
from tests.beratung.conftest import VIGNETTE, at, day_ahead
from tests.conftest import FIXED_NOW, login_as

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember")
CASE = CaseInput(age_band="6-9", concern="neglect", setting="kita", urgency="soon", vignette=VIGNETTE)
SLOTS = [(days, clock) for days in range(3, 12) for clock in ("09:00", "10:15")]


@pytest.fixture
def bookings(expert_profile, expert, create_user, create_region):
    """Five health partners book case consultations by video, five youth-welfare partners
    reflections in person (all Leipzig), one police officer of Dresden two process consultations by
    phone; a coordinator's reflection is declined."""
    leipzig, dresden = create_region("Leipzig"), create_region("Dresden")
    slots = iter(SLOTS)

    def book(booker, type_code, format):
        days, clock = next(slots)
        return services.book(booker, expert_profile, BookingInput(
            starts_at=at(day_ahead(days), clock), type_code=type_code, format=format, case=CASE), now=FIXED_NOW)

    for _ in range(5):
        book(create_user("partner", sector="health", region=leipzig), "case_consult_8b", "video")
        book(create_user("partner", sector="youth_welfare", region=leipzig), "reflection", "in_person")
    police = create_user("partner", sector="police", region=dresden)
    book(police, "process_consult", "phone")
    book(police, "process_consult", "phone")
    declined = book(create_user("coordinator"), "reflection", "video")
    services.decline(expert, declined, reason="Nicht zuständig", now=FIXED_NOW)
    db.session.commit()
    return {"leipzig": leipzig, "dresden": dresden}


def assert_nothing_describes_fewer_than_five(stats):
    """Recount from the bookings: each shown figure describes five bookers or more, and the withheld
    cells of a table that adds up to the total are never one alone or together fewer than five."""
    rows = db.session.execute(select(Consultation)).scalars().all()
    counted = [row for row in rows if row.status in COUNTED]
    attributes = {"type": "type_code", "sector": "booker_sector", "region": "booker_region_id", "format": "format"}
    for dimension, attribute in attributes.items():
        withheld = set()
        for value, figure in stats.by[dimension]:
            people = {row.booker_id for row in counted if getattr(row, attribute) == value}
            if figure.shown:
                assert len(people) >= 5 and figure.value == sum(getattr(row, attribute) == value for row in counted)
            else:
                withheld |= people
        assert not withheld or len(withheld) >= 5, dimension
        assert [figure.shown for _, figure in stats.by[dimension]].count(False) != 1, dimension

    def month(row):
        local = row.starts_at.astimezone(BERLIN)
        return date(local.year, local.month, 1)

    withheld = set()
    for key, held, called_off in stats.months:
        people = {row.booker_id for row in counted if month(row) == key}
        if held.shown:
            assert len(people) >= 5 or held.value == 0
        else:
            withheld |= people
        gone = {row.booker_id for row in rows if row.status not in COUNTED and month(row) == key}
        assert not called_off.shown or len(gone) >= 5 or called_off.value == 0
    assert not withheld or len(withheld) >= 5


def test_figures_are_published_only_for_five_bookers_or_more(bookings, create_user, count_queries):
    admin = create_user("admin")
    with count_queries() as statements:
        stats = statistics(admin)
    reads = [statement.lower() for statement in statements if "consultation" in statement.lower()]
    assert len(reads) == 1 and "case_content" not in reads[0]  # one statement, whatever the number of bookings
    assert stats.total == Figure(12)  # twelve requested consultations by eleven people; the declined one not
    # Ten people booked case consultations or reflections, one person the two process consultations:
    # that cell is withheld, and the smallest other with it, since 12 - 5 would tell it.
    assert stats.by["type"] == [("reflection", Figure(5)), ("case_consult_8b", Figure(None, COMPLEMENT)),
                                ("process_consult", Figure(None, SMALL))]
    assert dict(stats.by["sector"]) == {"health": Figure(None, COMPLEMENT), "youth_welfare": Figure(5),
                                        "police": Figure(None, SMALL)}
    # With two regions, Leipzig's figure would be the total minus Dresden's: both are withheld.
    assert dict(stats.by["region"]) == {bookings["leipzig"].id: Figure(None, COMPLEMENT),
                                        bookings["dresden"].id: Figure(None, SMALL)}
    assert dict(stats.by["format"])["phone"] == Figure(None, SMALL)
    assert stats.any_withheld
    assert_nothing_describes_fewer_than_five(stats)
    assert {field.name for field in dataclasses.fields(stats)} == {"total", "by", "months"}
    for secret in (VIGNETTE, "neglect", "kita", "soon", "6-9"):
        assert secret not in repr(stats)


def test_a_service_used_by_fewer_than_five_people_shows_no_figure(expert_profile, create_user):
    booker = create_user("partner")
    for days in (3, 4):
        services.book(booker, expert_profile, BookingInput(
            starts_at=at(day_ahead(days), "09:00"), type_code="case_consult_8b", format="video", case=CASE),
            now=FIXED_NOW)
    stats = statistics(create_user("admin"))
    assert stats.total == Figure(None, SMALL)
    assert all(not figure.shown for rows in stats.by.values() for _, figure in rows)
    assert all(not held.shown for _, held, _ in stats.months)


def test_statistics_are_for_admins_and_coordinators_only(create_user):
    assert statistics(create_user("coordinator")).total == Figure(None, SMALL)  # nobody booked yet
    for role in ("partner", "expert", "trainer"):
        with pytest.raises(PermissionDenied):
            statistics(create_user(role))
    with pytest.raises(PermissionDenied):
        statistics(create_user("admin", active=False))


def _cell(page: str, label: str) -> str:
    """The figure in the table row whose first cell is *label*."""
    match = re.search(rf">{re.escape(label)}</td>\s*<td[^>]*>(.*?)</td>", page)
    assert match, label
    return match.group(1)


def test_the_page_marks_withheld_figures_and_explains_them(client, bookings, create_user):
    login_as(client, create_user("coordinator"))
    page = client.get("/beratung/uebersicht").get_data(as_text=True)
    assert "12 Beratungen insgesamt" in page
    assert _cell(page, "Leipzig") == _cell(page, "Gesundheitswesen") == '<abbr title="ausgeblendet, damit sich ' \
        'kein kleiner Wert errechnen lässt">•</abbr>'
    assert _cell(page, "Dresden") == _cell(page, "Polizei") == \
        '<abbr title="beschreibt weniger als 5 Personen">&lt;&nbsp;5</abbr>'
    assert _cell(page, "Telefon") == _cell(page, "Polizei")
    assert "Eine Zahl, die weniger als 5 Personen beschreibt" in page
    first = FIXED_NOW.astimezone(BERLIN) + timedelta(days=3)  # months in words, as German readers write them
    assert f">{MONTHS[first.month - 1]} {first.year}</td>" in page and not re.search(r">20\d\d-\d\d<", page)
    assert "/beratung/buchungen/" not in page


def test_the_page_shows_no_figures_before_five_people_booked(client, expert_profile, create_user):
    services.book(create_user("partner"), expert_profile, BookingInput(
        starts_at=at(day_ahead(3), "09:00"), type_code="case_consult_8b", format="video", case=CASE), now=FIXED_NOW)
    db.session.commit()
    login_as(client, create_user("admin"))
    page = client.get("/beratung/uebersicht").get_data(as_text=True)
    assert "Bisher haben weniger als 5 Personen Beratungen gebucht" in page
    assert "Beratung insgesamt" not in page and "<rect" not in page
