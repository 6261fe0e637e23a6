"""The annual report's figures: exact counts for a region and for the Land, the Berlin calendar year,
the small-number rule for figures about people, the empty year, the choice of figures and a bounded
number of statements."""
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from lms.berichte import figures
from lms.berichte.report import build
from lms.disclosure import SMALL
from lms.errors import PermissionDenied
from lms.extensions import db
from lms.netzwerk.models import Meeting, MeetingAttendance
from tests.berichte.conftest import YEAR, add_body, add_meeting, berlin
from tests.conftest import FIXED_NOW


def cells(report, key) -> dict:
    """Row label -> shown value or mark ("< 5", "•"), a tuple where the table has several columns."""
    def shown(cell):
        return cell.value if cell.shown else ("< 5" if cell.withheld == SMALL else "•")

    table = next(section.table for part in report.parts for section in part.sections if section.figure.key == key)
    values = {row.label: tuple(shown(cell) for cell in row.cells) for row in table.all_rows}
    return {label: value[0] if len(value) == 1 else value for label, value in values.items()}


@pytest.fixture
def admin(create_user):
    return create_user("admin")


def test_a_regions_year_in_figures(year_of_data, leipzig, admin):
    report = build(admin, leipzig, YEAR, now=FIXED_NOW)
    assert not report.empty and report.as_of == date(2025, 12, 31)
    assert [part.title for part in report.parts] == [
        "Gremien und Sitzungen", "Netzwerk", "Vereinbarungen", "Qualifizierung", "Beratung"]
    assert cells(report, "bodies") == {"Netzwerkforum": 1, "Steuerungsgruppe": 1, "Projektgruppe / AG": 1,
                                       "Runder Tisch": 0, "Insgesamt": 3}
    assert cells(report, "meetings") == {"Netzwerkforum": 1, "Steuerungsgruppe": 2, "Projektgruppe / AG": 0,
                                         "Runder Tisch": 0, "Insgesamt": 3}
    # Four youth-welfare partners are too few; the five of health would tell them from the total of 9.
    sectors = cells(report, "meeting_participants_by_sector")
    assert (sectors["Kinder- und Jugendhilfe"], sectors["Gesundheitswesen"], sectors["Insgesamt"]) == ("< 5", "•", 9)
    assert sectors["Polizei"] == 0
    assert cells(report, "participants_per_meeting") == {
        "01.01.2025 – Steuerungsgruppe": 5, "12.03.2025 – Steuerungsgruppe": 9, "04.06.2025 – Netzwerkforum": "< 5"}
    institutions = cells(report, "institutions_by_sector")
    assert institutions["Bildung (Schule, Kita)"] == institutions["Gesundheitswesen"] == 1
    assert institutions["Kinder- und Jugendhilfe"] == 1 and institutions["Beratungsstellen"] == 0
    assert institutions["Insgesamt"] == 3
    assert cells(report, "sectors") == {"mit mindestens einer Einrichtung": 3}
    assert cells(report, "agreements_in_force") == {"in Kraft am 31.12.2025": 3}
    assert cells(report, "agreements_concluded") == {"im Jahr 2025 geschlossen": 2}
    assert cells(report, "offerings_by_dimension") == {
        "Binnendimension": (1, 8), "Leistungsdimension": (1, 16), "Insgesamt": (2, 24)}
    assert cells(report, "participants_by_dimension") == {
        "Binnendimension": "•", "Leistungsdimension": "< 5", "Insgesamt": 8}
    assert cells(report, "consultations_by_type") == {
        "Fachberatung zur Gefährdungseinschätzung (anonym/pseudonymisiert)": 5, "Insgesamt": 5}
    assert cells(report, "consultations_by_sector") == {"Gesundheitswesen": 5, "Insgesamt": 5}
    assert cells(report, "consultations_by_format") == {"Video": 5, "Insgesamt": 5}


def test_the_land_counts_every_region_and_the_statewide_offerings(year_of_data, admin):
    report = build(admin, None, YEAR, now=FIXED_NOW)
    assert report.scope_name == "Land gesamt"
    assert cells(report, "bodies")["Insgesamt"] == 4 and cells(report, "meetings")["Runder Tisch"] == 1
    sectors = cells(report, "meeting_participants_by_sector")
    # Youth welfare (4) and police (3) are withheld together: seven people, so health stays shown.
    assert (sectors["Gesundheitswesen"], sectors["Kinder- und Jugendhilfe"], sectors["Polizei"]) == (5, "< 5", "< 5")
    assert sectors["Insgesamt"] == 12
    assert cells(report, "institutions_by_sector")["Insgesamt"] == 4  # the clinic serving both regions once
    assert cells(report, "sectors") == {"mit mindestens einer Einrichtung": 4}
    assert cells(report, "agreements_in_force") == {"in Kraft am 31.12.2025": 4}
    assert cells(report, "agreements_concluded") == {"im Jahr 2025 geschlossen": 3}
    assert cells(report, "offerings_by_dimension") == {
        "Binnendimension": (2, 16), "Leistungsdimension": (2, 32), "Insgesamt": (4, 48)}
    assert cells(report, "participants_by_dimension")["Insgesamt"] == 10
    assert cells(report, "consultations_by_type")["Insgesamt"] == 6


def test_another_regions_data_is_not_counted(year_of_data, dresden, admin):
    report = build(admin, dresden, YEAR, now=FIXED_NOW)
    assert cells(report, "meetings") == {"Netzwerkforum": 0, "Steuerungsgruppe": 0, "Projektgruppe / AG": 0,
                                         "Runder Tisch": 1, "Insgesamt": 1}
    assert cells(report, "participants_per_meeting") == {"05.05.2025 – Runder Tisch Dresden": "< 5"}
    assert cells(report, "institutions_by_sector")["Insgesamt"] == 2  # the police station and the clinic
    assert cells(report, "agreements_concluded") == {"im Jahr 2025 geschlossen": 1}
    assert cells(report, "offerings_by_dimension")["Insgesamt"] == (1, 16)  # not the statewide one
    assert cells(report, "consultations_by_type") == {"Prozess- und Praxisberatung (Fachberatung im Begleitkonzept)":
                                                      "< 5", "Insgesamt": "< 5"}


def test_the_year_is_the_berlin_calendar_year(year_of_data, leipzig, admin):
    # The meeting on 1 January 2025 00:30 Berlin was on 31 December 2024 in UTC: it counts for 2025,
    # the one at 23:30 Berlin on New Year's Eve 2024 for 2024.
    earlier = build(admin, leipzig, 2024, now=FIXED_NOW)
    assert cells(earlier, "participants_per_meeting") == {"31.12.2024 – Steuerungsgruppe": 5}


@pytest.mark.parametrize("year", [2019, 2027])
def test_a_year_without_data_is_an_empty_report(year_of_data, leipzig, admin, year):
    # 2027 has not begun: the bodies and institutions that stand are no data of that year.
    report = build(admin, leipzig, year, now=FIXED_NOW)
    assert report.empty and report.parts == []
    assert report.empty_text == f"Für {year} liegen keine Daten vor."


def test_the_running_year_counts_until_now(year_of_data, leipzig, admin, people):
    steering = add_body(leipzig, "steering", "Steuerungsgruppe 2026")
    add_meeting(steering, FIXED_NOW + timedelta(days=3), people["health"])  # planned, not held yet
    db.session.commit()
    report = build(admin, leipzig, 2026, now=FIXED_NOW)
    assert report.as_of == date(2026, 11, 16)
    assert cells(report, "participants_per_meeting") == {"15.01.2026 – Steuerungsgruppe": 5}


@pytest.mark.parametrize(("youth", "shown"), [(4, "< 5"), (5, 5)])
def test_a_sector_of_fewer_than_five_people_is_withheld(leipzig, create_user, admin, youth, shown):
    body = add_body(leipzig, "forum", "Netzwerkforum")
    people = [create_user("partner", sector="youth_welfare", region=leipzig) for _ in range(youth)]
    people += [create_user("partner", sector="health", region=leipzig) for _ in range(6)]
    add_meeting(body, berlin(date(2025, 5, 1)), people)
    db.session.commit()
    sectors = cells(build(admin, leipzig, YEAR, now=FIXED_NOW), "meeting_participants_by_sector")
    assert sectors["Kinder- und Jugendhilfe"] == shown
    # Withheld, the four could be told from the total: so the six of health are withheld too.
    assert sectors["Gesundheitswesen"] == ("•" if youth == 4 else 6)
    assert sectors["Insgesamt"] == youth + 6


def test_only_admins_read_the_lands_report_and_coordinators_their_regions(year_of_data, leipzig, dresden,
                                                                          create_user):
    coordinator = create_user("coordinator", region=leipzig)
    assert not build(coordinator, leipzig, YEAR, now=FIXED_NOW).empty
    for region in (dresden, None):
        with pytest.raises(PermissionDenied):
            build(coordinator, region, YEAR, now=FIXED_NOW)


def test_the_figures_are_chosen_and_ordered_by_key(app, year_of_data, leipzig, admin):
    app.config["REPORT_FIGURES"] = ("consultations_by_format", "meetings")
    report = build(admin, leipzig, YEAR, now=FIXED_NOW)
    assert [(part.title, [section.figure.key for section in part.sections]) for part in report.parts] == [
        ("Beratung", ["consultations_by_format"]), ("Gremien und Sitzungen", ["meetings"])]
    with pytest.raises(ValueError, match="unknown"):
        figures.chosen(["meetings", "kaffee"])
    assert [figure.key for figure in figures.chosen([])] == [figure.key for figure in figures.FIGURES]


def test_the_statements_do_not_grow_with_the_meetings(year_of_data, leipzig, admin, people, count_queries):
    with count_queries() as few:
        build(admin, leipzig, YEAR, now=FIXED_NOW)
    body = add_body(leipzig, "project", "AG Viele Sitzungen")
    starts = [berlin(date(2025, 1, 2)) + timedelta(hours=12 * index) for index in range(500)]
    ids = db.session.scalars(insert(Meeting).returning(Meeting.id), [
        {"body_id": body.id, "starts_at": at, "ends_at": at + timedelta(hours=1), "state": "planned",
         "created_at": at, "updated_at": at} for at in starts]).all()
    db.session.execute(insert(MeetingAttendance), [
        {"meeting_id": meeting_id, "user_id": person.id, "recorded_at": starts[0]}
        for meeting_id in ids for person in people["health"]])
    db.session.commit()
    with count_queries() as many:
        report = build(admin, leipzig, YEAR, now=FIXED_NOW)
    assert cells(report, "meetings")["Insgesamt"] == 503
    assert len(many) == len(few) <= 16  # a statement or two per figure, and reloading region and admin
