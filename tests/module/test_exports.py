"""Participant exports: XLSX with typed cells, CSV for German Excel, RFC 4180 CSV, who may export, bounded SQL."""
import csv
import io
from datetime import date, datetime, timedelta
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from lms.extensions import db
from lms.ical import BERLIN
from lms.module import services
from lms.module.models import EnrolmentStatus
from tests.conftest import FIXED_NOW, login_as

BASE = "/qualifizierung/verwaltung/angebote/{offering}/"
URLS = {"xlsx": BASE + "teilnehmende.xlsx", "csv": BASE + "teilnehmende.csv",
        "rfc4180": BASE + "teilnehmende-rfc4180.csv"}
EARLIER = FIXED_NOW - timedelta(days=30)


def berlin(value: datetime) -> datetime:
    """What a spreadsheet cell holds for an instant: Europe/Berlin wall time, without a zone."""
    return value.astimezone(BERLIN).replace(tzinfo=None)


@pytest.fixture
def course(create_module, create_offering, create_user, create_region, trainer):
    """An offering of four dates, three of them held, with two seats taken and one person waiting.

    Anna attended dates 1 and 2 (of the 2 required) and completed; Bernd (a partner from the health
    sector) attended date 1 only; Carla
    waits. Date 4 is still ahead.
    """
    module = create_module(title="Kinderschutz für Träger", code="KS-1", required_attendance=50,
                           audiences=("coordinator", "health"))
    offering = create_offering(module, capacity=2, dates=4, starts_in=timedelta(days=-2, hours=-2))
    region = create_region("Görlitz")
    anna = create_user(name="Anna Albers", email="anna@example.org", region=region)
    bernd = create_user("partner", name="Bernd Berg", email="bernd@example.org", sector="health")
    carla = create_user(name="Carla Christ", email="carla@example.org")
    anna.organisation = "Jugendamt Görlitz"
    enrolments = [services.enrol(person, offering, actor=trainer, now=EARLIER) for person in (anna, bernd, carla)]
    held = offering.dates[:3]
    present = {(0, 0), (0, 1), (1, 0)}
    services.record_attendance(trainer, offering, {
        (enrolment.id, day.id): (row, column) in present
        for row, enrolment in enumerate(enrolments[:2]) for column, day in enumerate(held)
    }, now=FIXED_NOW)
    db.session.commit()
    assert [e.status for e in enrolments] == [EnrolmentStatus.ENROLLED] * 2 + [EnrolmentStatus.WAITLISTED]
    return offering


def download(client, user, offering, kind):
    login_as(client, user)
    response = client.get(URLS[kind].format(offering=offering.id))
    assert response.status_code == 200
    return response


def table_of(sheet):
    """The rows from the table's title row on, as lists of values."""
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    start = next(index for index, row in enumerate(rows) if row[0] == "Name")
    return start + 1, rows[start:]


def test_xlsx_has_a_header_block_with_the_dates_the_export_time_and_who_exported(client, trainer, course):
    response = download(client, trainer, course, "xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Teilnehmende"
    labels = {sheet.cell(row, 1).value: sheet.cell(row, 2) for row in range(1, 6)}
    assert labels["Modul"].value == "Kinderschutz für Träger (KS-1)"
    assert labels["Durchführung"].value == f"Nr. {course.id} · Läuft"
    assert labels["Region"].value == "landesweit"
    assert labels["Exportiert am"].value == berlin(FIXED_NOW)
    assert labels["Exportiert am"].number_format == "dd.mm.yyyy hh:mm"
    assert labels["Exportiert von"].value == f"Renate Referentin ({trainer.email})"
    # Start, end and place of each date stand above its attendance column (H, I, J, K).
    header_row, table = table_of(sheet)
    assert table[0][7:11] == ["Termin 1", "Termin 2", "Termin 3", "Termin 4"]
    begin, end, place = (header_row - 3, header_row - 2, header_row - 1)
    assert [sheet.cell(row, 7).value for row in (begin, end, place)] == ["Beginn", "Ende", "Ort"]
    for column, day in enumerate(course.dates, start=8):
        assert sheet.cell(begin, column).value == berlin(day.starts_at)
        assert sheet.cell(end, column).value == berlin(day.ends_at)
        assert sheet.cell(begin, column).number_format == "dd.mm.yyyy hh:mm"
        assert sheet.cell(place, column).value == "Rathaus, Saal 2"


def test_xlsx_table_has_typed_attendance_totals_and_completion(client, trainer, course):
    sheet = load_workbook(io.BytesIO(download(client, trainer, course, "xlsx").data)).active
    header_row, table = table_of(sheet)
    assert table[0] == [
        "Name", "E-Mail", "Organisation", "Sektor", "Region", "Status", "Wartelistenplatz",
        "Termin 1", "Termin 2", "Termin 3", "Termin 4",
        "Anwesend (Termine)", "Erforderlich (Termine)", "Abgeschlossen", "Abgeschlossen am",
    ]
    anna, bernd, carla = table[1:]
    completed_on = course.dates[1].ends_at.astimezone(BERLIN).date()
    assert anna == ["Anna Albers", "anna@example.org", "Jugendamt Görlitz", None, "Görlitz", "Platz gebucht", None,
                    1, 1, 0, None, 2, 2, "ja", datetime.combine(completed_on, datetime.min.time())]
    assert bernd == ["Bernd Berg", "bernd@example.org", None, "Gesundheitswesen", None, "Platz gebucht", None,
                     1, 0, 0, None, 1, 2, "nein", None]
    assert carla == ["Carla Christ", "carla@example.org", None, None, None, "Warteliste", 1,
                     None, None, None, None, 0, 2, "nein", None]
    anna_row = header_row + 1
    assert sheet.cell(anna_row, 8).data_type == "n" and isinstance(sheet.cell(anna_row, 8).value, int)
    assert sheet.cell(anna_row, 12).data_type == "n"
    assert sheet.cell(anna_row, 15).is_date and sheet.cell(anna_row, 15).number_format == "dd.mm.yyyy"
    assert sheet.freeze_panes == f"B{header_row + 1}"
    assert sheet.auto_filter.ref == f"A{header_row}:O{header_row + 3}"
    assert sheet.column_dimensions["B"].width >= len("bernd@example.org")


def test_excel_csv_has_a_bom_semicolons_crlf_and_german_dates(client, trainer, course):
    response = download(client, trainer, course, "csv")
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data[3:].decode("utf-8")
    assert text.count("\r\n") == 4 and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    first = course.dates[0].starts_at.astimezone(BERLIN)
    assert rows[0][:8] == ["Name", "E-Mail", "Organisation", "Sektor", "Region", "Status", "Wartelistenplatz",
                           f"Termin 1 ({first:%d.%m.%Y %H:%M})"]
    completed_on = course.dates[1].ends_at.astimezone(BERLIN).date()
    assert rows[1] == ["Anna Albers", "anna@example.org", "Jugendamt Görlitz", "", "Görlitz", "Platz gebucht", "",
                       "1", "1", "0", "", "2", "2", "ja", f"{completed_on:%d.%m.%Y}"]
    assert rows[3][5:7] == ["Warteliste", "1"]


def test_rfc4180_csv_has_commas_no_bom_crlf_and_iso_dates(client, trainer, course):
    response = download(client, trainer, course, "rfc4180")
    assert response.mimetype == "text/csv"
    assert not response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8")
    assert text.count("\r\n") == 4
    rows = list(csv.reader(io.StringIO(text, newline="")))
    first = course.dates[0].starts_at.astimezone(BERLIN)
    assert rows[0][7] == f"Termin 1 ({first.isoformat(timespec='minutes')})"
    assert datetime.fromisoformat(rows[0][7][10:-1]) == course.dates[0].starts_at
    completed_on = course.dates[1].ends_at.astimezone(BERLIN).date()
    assert rows[1][-1] == completed_on.isoformat() and date.fromisoformat(rows[1][-1]) == completed_on
    assert rows[1][:3] == ["Anna Albers", "anna@example.org", "Jugendamt Görlitz"]
    assert rows[2][7:] == ["1", "0", "0", "", "1", "2", "nein", ""]


def test_csv_quotes_separators_and_line_breaks(client, trainer, create_offering, create_user, now):
    offering = create_offering()
    person = create_user(name='Dora "Doro" Dietz; Jugendamt, Nord', email="dora@example.org")
    person.organisation = "Verein\r\nfür Kinder"
    services.enrol(person, offering, now=now)
    db.session.commit()
    for kind, delimiter in (("csv", ";"), ("rfc4180", ",")):
        text = download(client, trainer, offering, kind).data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        assert rows[1][0] == 'Dora "Doro" Dietz; Jugendamt, Nord' and rows[1][2] == "Verein\r\nfür Kinder"


@pytest.mark.parametrize("name", ['=HYPERLINK("https://example.org","x")', "+1", "-1+1", "@SUM(A1)",
                                  "\tTab", "\rReturn"])
def test_text_cells_cannot_start_a_formula(client, trainer, create_offering, create_user, now, name):
    offering = create_offering()
    person = create_user()
    person.name = name  # past the sign-up form, which strips the blanks
    services.enrol(person, offering, now=now)
    db.session.commit()
    sheet = load_workbook(io.BytesIO(download(client, trainer, offering, "xlsx").data)).active
    header_row, _table = table_of(sheet)
    cell = sheet.cell(header_row + 1, 1)
    assert cell.value == "'" + name.replace("\r", "\n") and cell.data_type == "s"  # XML reads a bare CR as LF
    for kind, delimiter in (("csv", ";"), ("rfc4180", ",")):
        text = download(client, trainer, offering, kind).data.decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[1][0] == "'" + name


def test_a_module_title_that_looks_like_a_formula_stays_text(client, trainer, create_module, create_offering):
    offering = create_offering(create_module(title="=1+1"))
    sheet = load_workbook(io.BytesIO(download(client, trainer, offering, "xlsx").data)).active
    assert sheet["B1"].value == "'=1+1" and sheet["B1"].data_type == "s"


def test_files_are_named_after_module_offering_and_day(client, trainer, course):
    day = FIXED_NOW.astimezone(BERLIN).date().isoformat()
    for kind, ending in (("xlsx", ".xlsx"), ("csv", ".csv"), ("rfc4180", "-rfc4180.csv")):
        response = download(client, trainer, course, kind)
        assert "no-store" in response.headers["Cache-Control"]  # personal data stays out of caches
        disposition = response.headers["Content-Disposition"]
        name = f"teilnehmende-kinderschutz-für-träger-nr{course.id}-{day}{ending}"
        assert disposition == (f'attachment; filename="teilnehmende-kinderschutz-fuer-traeger-nr{course.id}-{day}'
                               f'{ending}"; filename*=UTF-8\'\'{quote(name)}')


def test_an_empty_offering_exports_the_titles_only(client, trainer, create_offering):
    offering = create_offering(dates=2)
    sheet = load_workbook(io.BytesIO(download(client, trainer, offering, "xlsx").data)).active
    _header_row, table = table_of(sheet)
    assert len(table) == 1 and table[0][7:9] == ["Termin 1", "Termin 2"]
    text = download(client, trainer, offering, "rfc4180").data.decode()
    assert text.count("\r\n") == 1


def test_the_participants_page_offers_all_three_files(client, trainer, course):
    login_as(client, trainer)
    page = client.get(f"/qualifizierung/verwaltung/angebote/{course.id}/teilnehmende").get_data(as_text=True)
    for label, url in (("Excel (XLSX)", URLS["xlsx"]), ("CSV für Excel", URLS["csv"]),
                       ("CSV (RFC 4180)", URLS["rfc4180"])):
        assert f'href="{url.format(offering=course.id)}" download>{label}</a>' in page


@pytest.mark.parametrize("kind", URLS)
@pytest.mark.parametrize("role", ["coordinator", "partner", "expert"])
def test_participants_cannot_export(client, create_user, create_offering, kind, role):
    offering = create_offering()
    login_as(client, create_user(role))
    assert client.get(URLS[kind].format(offering=offering.id)).status_code == 403


@pytest.mark.parametrize("kind", URLS)
def test_only_the_offerings_own_trainers_and_admins_export(client, create_user, create_offering, trainer, kind):
    offering = create_offering()
    url = URLS[kind].format(offering=offering.id)
    assert client.get(url).status_code == 302  # to the sign-in page
    login_as(client, create_user("trainer"))
    assert client.get(url).status_code == 403
    assert client.get(URLS[kind].format(offering=offering.id + 1000)).status_code == 404
    login_as(client, create_user("admin"))
    assert client.get(url).status_code == 200
    login_as(client, trainer)  # responsible for the module
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("kind", URLS)
def test_export_runs_the_same_number_of_queries_for_any_number_of_people_and_dates(
        client, trainer, create_module, create_offering, create_user, create_region, count_queries, kind):
    region = create_region()

    def offering_with(people: int, dates: int):
        offering = create_offering(create_module(), capacity=people, dates=dates,
                                   starts_in=timedelta(days=-dates, hours=-1))
        enrolments = [services.enrol(create_user(region=region), offering, actor=trainer, now=EARLIER)
                      for _ in range(people + 2)]  # two wait
        services.record_attendance(trainer, offering, {
            (enrolment.id, day.id): True for enrolment in enrolments[:people] for day in offering.dates
        }, now=FIXED_NOW)
        db.session.commit()
        return offering

    urls = [URLS[kind].format(offering=offering.id) for offering in (offering_with(1, 1), offering_with(12, 5))]
    login_as(client, trainer)
    counts = []
    for url in urls:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[1] <= 27, counts  # 25 to read, 2 for the audit entry


@pytest.mark.parametrize("month,offset", [(1, "+01:00"), (7, "+02:00")])
def test_times_are_berlin_wall_times_in_winter_and_summer(client, trainer, create_offering, month, offset):
    year = FIXED_NOW.year + 1
    starts_at = datetime(year, month, 15, 7, 0, tzinfo=FIXED_NOW.tzinfo)  # 07:00 UTC
    offering = create_offering(starts_in=starts_at - FIXED_NOW)
    wall = "08:00" if month == 1 else "09:00"
    sheet = load_workbook(io.BytesIO(download(client, trainer, offering, "xlsx").data)).active
    header_row, _table = table_of(sheet)
    assert sheet.cell(header_row - 3, 8).value == datetime.fromisoformat(f"{year}-{month:02d}-15T{wall}")
    excel = download(client, trainer, offering, "csv").data.decode("utf-8-sig")
    assert f"Termin 1 (15.{month:02d}.{year} {wall})" in excel
    plain = download(client, trainer, offering, "rfc4180").data.decode()
    assert f"Termin 1 ({year}-{month:02d}-15T{wall}{offset})" in plain
