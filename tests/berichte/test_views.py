"""The annual report's pages and downloads: who may read which report, addresses that name no
report, and the page, the workbook and the PDF showing the same figures."""
import html
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lms.berichte.report import build
from tests.berichte.conftest import YEAR
from tests.conftest import FIXED_NOW, login_as

KINDS = ("", ".xlsx", ".pdf")


@pytest.fixture
def signed_in(client, create_user):
    def _sign_in(role, **fields):
        user = create_user(role, **fields)
        login_as(client, user)
        return user

    return _sign_in


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["partner", "trainer", "expert"])
def test_other_roles_are_refused(client, signed_in, leipzig, role, kind):
    signed_in(role, region=leipzig)
    assert client.get(f"/berichte/{YEAR}{kind}?region={leipzig.id}").status_code == 403
    assert client.get("/berichte").status_code == 403


@pytest.mark.parametrize("kind", KINDS)
def test_visitors_are_sent_to_sign_in(client, leipzig, kind):
    response = client.get(f"/berichte/{YEAR}{kind}?region={leipzig.id}")
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_coordinator_reads_her_own_region_only(client, signed_in, leipzig, dresden, kind):
    signed_in("coordinator", region=dresden)
    assert client.get(f"/berichte/{YEAR}{kind}?region={dresden.id}").status_code == 200
    assert client.get(f"/berichte/{YEAR}{kind}?region={leipzig.id}").status_code == 403
    assert client.get(f"/berichte/{YEAR}{kind}").status_code == 403  # the Land's report


@pytest.mark.parametrize("kind", KINDS)
def test_an_admin_reads_the_lands_report(client, signed_in, year_of_data, kind):
    signed_in("admin")
    response = client.get(f"/berichte/{YEAR}{kind}")
    assert response.status_code == 200
    if kind:
        assert f'filename="sachbericht-{YEAR}-land-gesamt{kind}"' in response.headers["Content-Disposition"]


@pytest.mark.parametrize("address", ["/berichte/abc", "/berichte/1999", "/berichte/2028.pdf", "/berichte/-1",
                                     "/berichte/2025?region=999", "/berichte/2025.xlsx?region=abc"])
def test_addresses_that_name_no_report_are_not_found(client, signed_in, address):
    signed_in("admin")
    assert client.get(address).status_code == 404


def test_the_choice_offers_what_the_person_may_read(client, signed_in, leipzig, dresden):
    signed_in("coordinator", region=leipzig)
    page = client.get("/berichte").get_data(as_text=True)
    assert "Landkreis Leipzig" in page and "Dresden" not in page and "Land gesamt" not in page
    assert '<option value="2027"' in page and '<option value="2025" selected' in page
    response = client.get(f"/berichte?region={leipzig.id}&jahr=2025")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/berichte/2025?region={leipzig.id}")
    signed_in("admin")
    page = client.get("/berichte").get_data(as_text=True)
    assert "Land gesamt" in page and "Dresden" in page


def test_the_report_is_in_the_administration_menu(client, signed_in, leipzig):
    signed_in("coordinator", region=leipzig)
    assert 'href="/berichte"' in client.get("/").get_data(as_text=True)


def page_rows(page: str) -> list[tuple[str, ...]]:
    """The rows of the page's tables in order: label and the figures as shown."""
    rows = []
    for label, cells in re.findall(r'scope="row">([^<]*)</th>\s*((?:<td[^>]*>.*?</td>)+)', page):
        values = re.findall(r"<td[^>]*>(.*?)</td>", cells)
        rows.append(tuple(html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\xa0", " ").strip()
                          for text in (label, *values)))
    return rows


def workbook_rows(data: bytes) -> tuple[list, list[tuple[str, ...]]]:
    """The sheet names, and the data rows of every table (not titles, headers or blank rows) in order."""
    workbook = load_workbook(io.BytesIO(data))
    rows = []
    for sheet in workbook.worksheets:
        block = []
        for row in [*sheet.iter_rows(min_row=5, values_only=True), ()]:
            values = [value for value in row if value is not None]
            if values:
                block.append(values)
            elif block:
                rows += [tuple(str(value) for value in line) for line in block[2:]]  # after title and header
                block = []
    return workbook.sheetnames, rows


def test_page_workbook_and_pdf_show_the_same_figures(client, signed_in, year_of_data, leipzig):
    admin = signed_in("admin")
    address = f"/berichte/{YEAR}{{}}?region={leipzig.id}"
    page = client.get(address.format("")).get_data(as_text=True)
    assert "Sachbericht 2025 – Landkreis Leipzig" in page
    assert "weniger als 5 Personen" in page and "„< 5“" in page  # the legend names the threshold
    assert f'href="/berichte/2025.xlsx?region={leipzig.id}"' in page

    response = client.get(address.format(".xlsx"))
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="sachbericht-2025-landkreis-leipzig.xlsx"' in response.headers["Content-Disposition"]
    sheets, rows = workbook_rows(response.data)
    assert sheets == ["Gremien und Sitzungen", "Netzwerk", "Vereinbarungen", "Qualifizierung", "Beratung"]
    shown = page_rows(page)
    assert rows == shown and ("12.03.2025 – Steuerungsgruppe", "9") in shown
    assert ("Kinder- und Jugendhilfe", "< 5") in shown and ("Binnendimension", "1", "8") in shown
    cell = next(row for row in load_workbook(io.BytesIO(response.data))["Gremien und Sitzungen"].iter_rows()
                if row[0].value == "12.03.2025 – Steuerungsgruppe")[1]
    assert cell.value == 9 and cell.data_type == "n"

    response = client.get(address.format(".pdf"))
    assert response.content_type == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    report = build(admin, leipzig, YEAR, now=FIXED_NOW)
    for part in report.parts:
        assert part.title in text
        for section in part.sections:
            assert section.title in text
    for needle in ("Sachbericht 2025 – Landkreis Leipzig", "12.03.2025 – Steuerungsgruppe", "Frühe Hilfen",
                   "Gefährdungseinschätzung", "< 5", "Unterrichtseinheiten"):
        assert needle in text


def test_a_year_without_data_says_so_everywhere(client, signed_in, leipzig):
    signed_in("coordinator", region=leipzig)
    address = f"/berichte/2019{{}}?region={leipzig.id}"
    assert "Für 2019 liegen keine Daten vor." in client.get(address.format("")).get_data(as_text=True)
    workbook = load_workbook(io.BytesIO(client.get(address.format(".xlsx")).data))
    assert workbook.sheetnames == ["Sachbericht"]
    assert workbook["Sachbericht"]["A4"].value == "Für 2019 liegen keine Daten vor."
    pdf = PdfReader(io.BytesIO(client.get(address.format(".pdf")).data))
    assert "Für 2019 liegen keine Daten vor." in pdf.pages[0].extract_text()
