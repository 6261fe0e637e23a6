"""The legal pages: public, linked from every page's footer, their texts set by admins only."""
import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.legal.models import LegalText
from tests.conftest import login_as

SLUGS = ("impressum", "datenschutz", "barrierefreiheit")


def test_every_page_links_the_three_in_its_footer(client, create_user):
    for path in ("/", "/qualifizierung", "/anmelden", "/gibt-es-nicht"):
        page = client.get(path).get_data(as_text=True)
        footer = page.split("<footer", 1)[1]
        assert all(f'href="/{slug}"' in footer for slug in SLUGS), path
    login_as(client, create_user("partner"))
    assert 'href="/barrierefreiheit"' in client.get("/").get_data(as_text=True).split("<footer", 1)[1]


@pytest.mark.parametrize(("slug", "required"), [
    ("impressum", "§ 5 Digitale-Dienste-Gesetz"), ("datenschutz", "Art. 13 DSGVO"),
    ("barrierefreiheit", "Feedback-Mechanismus"),
])
def test_until_an_admin_writes_it_a_page_shows_what_belongs_in_it(client, slug, required):
    page = client.get(f"/{slug}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and required in text
    assert "noch nicht ausgefüllt" in text


def test_an_admin_sets_a_text_which_is_rendered_sanitised(client, create_user):
    admin = create_user("admin")
    login_as(client, admin)
    assert client.get("/verwaltung/rechtliches/impressum").status_code == 200
    body = "**Landkreis Muster**, Jugendamt\n\n<script>alert(1)</script> [Kontakt](javascript:alert(1))"
    assert client.post("/verwaltung/rechtliches/impressum", data={"body": body}).status_code == 302
    page = client.get("/impressum").get_data(as_text=True)
    assert "<strong>Landkreis Muster</strong>" in page and "noch nicht ausgefüllt" not in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page  # shown as text, never run
    assert 'href="javascript:' not in page
    stored = db.session.get(LegalText, "impressum")
    assert stored.updated_by_id == admin.id


def test_an_empty_text_is_refused_and_saves_nothing(client, create_user):
    login_as(client, create_user("admin"))
    answer = client.post("/verwaltung/rechtliches/datenschutz", data={"body": "   "})
    assert answer.status_code == 422 and "Bitte geben Sie den Text der Seite ein." in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LegalText)) == 0
    assert client.get("/verwaltung/rechtliches/unbekannt").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "trainer", "partner", "expert"])
def test_only_admins_edit(client, create_user, role):
    login_as(client, create_user(role))
    assert client.get("/verwaltung/rechtliches/impressum").status_code == 403
    assert client.post("/verwaltung/rechtliches/impressum", data={"body": "Fremd"}).status_code == 403
    assert db.session.get(LegalText, "impressum") is None


def test_visitors_cannot_edit(client):
    assert client.post("/verwaltung/rechtliches/impressum", data={"body": "Fremd"}).status_code in (302, 401)
    assert db.session.get(LegalText, "impressum") is None
