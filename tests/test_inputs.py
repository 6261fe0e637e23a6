"""The input layer (lms/inputs.py) with the exact inputs that once gave HTTP 500."""
import pytest
from werkzeug.datastructures import MultiDict

from lms.auth.models import User
from lms.extensions import db
from lms.inputs import INT_MAX, CleanMultiDict, bounded_int, clean_text, page_number
from tests.conftest import login_as

NUL_URLS = [
    "/qualifizierung?q=a%00b", "/qualifizierung?dimension=a%00b", "/qualifizierung?beginn=a%00b",
    "/qualifizierung?zielgruppe=a%00b", "/qualifizierung?region=a%00b", "/instrumente?thema=a%00b",
    "/instrumente?q=a%00b", "/instrumente?art=a%00b", "/instrumente?sektor=a%00b", "/instrumente?sortierung=a%00b",
    "/nachweis/a%00b", "/kalender/a%00b.ics", "/kalender/module/a%00b.ics", "/einladung/a%00b",
    "/passwort-zuruecksetzen/a%00b", "/anmelden?next=/a%00b", "/beratung?art=a%00b&format=a%00b&frei=a%00b",
    "/beratung/buchungen?ansicht=a%00b", "/verwaltung/konten?q=a%00b&rolle=a%00b",
]
HUGE = ["2147483648", "9223372036854775808", "99999999999999999999999999999999"]


@pytest.mark.parametrize("url", NUL_URLS)
@pytest.mark.parametrize("role", [None, "admin", "coordinator"])
def test_a_nul_byte_anywhere_in_the_address_is_never_a_server_error(client, create_user, url, role):
    if role:
        login_as(client, create_user(role))
    assert client.get(url).status_code in {200, 302, 400, 403, 404}


def test_a_control_character_in_the_path_is_a_404(client):
    assert client.get("/nachweis/a%00b").status_code == 404
    assert client.get("/nachweis/a%1bb").status_code == 404


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize("template", [
    "/qualifizierung/module/{n}", "/qualifizierung/angebote/{n}", "/instrumente/{n}", "/kalender/termine/{n}.ics",
    "/beratung/fachkraefte/{n}", "/beratung/buchungen/{n}", "/verwaltung/konten/{n}", "/kompetenzen/personen/{n}",
])
def test_ids_beyond_the_integer_columns_are_404(client, create_user, template, number):
    login_as(client, create_user("admin"))
    assert client.get(template.format(n=number)).status_code == 404


@pytest.mark.parametrize("number", HUGE + ["-1", "0", "abc"])
@pytest.mark.parametrize("url", [
    "/qualifizierung?page={n}", "/qualifizierung?region={n}", "/instrumente?page={n}", "/instrumente?seite={n}",
    "/verwaltung/konten?page={n}&region={n}", "/beratung?region={n}", "/qualifizierung/verwaltung?module_seite={n}",
])
def test_page_and_region_numbers_beyond_the_range_are_not_a_server_error(client, create_user, url, number):
    login_as(client, create_user(roles=["admin", "trainer"]))
    assert client.get(url.format(n=number)).status_code == 200


def test_form_text_loses_control_characters_before_it_is_saved(app, client, create_user):
    user = create_user("coordinator")
    login_as(client, user)
    response = client.post("/konto", data={"profile-name": "Anna\x00 Be\x0bck\x1b\u202e", "profile-locale": "de"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Anna Beck\u202e"


def test_clean_text_keeps_tabs_and_line_breaks_and_every_printable_character():
    assert clean_text("a\tb\r\nc\x00d\x7fe\x85f\x9fg") == "a\tb\r\ncdefg"
    assert clean_text("Ärger – ß 😀 e\u0301") == "Ärger – ß 😀 e\u0301"


def test_the_clean_multidict_cleans_keys_and_values_and_keeps_files():
    upload = object()
    values = CleanMultiDict(MultiDict([("q\x00", "a\x00b"), ("q\x00", "c"), ("file", upload)]))
    assert values.getlist("q") == ["ab", "c"]
    assert values["file"] is upload
    assert CleanMultiDict({"x": "1\x002"})["x"] == "12"
    assert CleanMultiDict([("x", "y")])["x"] == "y"


def test_integer_arguments_are_bounded_to_the_columns():
    values = CleanMultiDict([("n", "2147483647"), ("big", "2147483648"), ("neg", "-2147483649"), ("bad", "x")])
    assert values.get("n", type=int) == INT_MAX
    assert values.get("big", type=int) is None
    assert values.get("big", 7, type=int) == 7
    assert values.get("neg", type=int) is None
    assert values.get("bad", type=int) is None
    assert values.get("missing", 3, type=int) == 3
    assert CleanMultiDict([("n", "1"), ("n", "99999999999"), ("n", "x")]).getlist("n", type=int) == [1]
    assert bounded_int("12", low=1, high=10) is None


@pytest.mark.parametrize(("raw", "page"), [
    (None, 1), ("", 1), ("x", 1), ("-5", 1), ("0", 1), ("3", 3), ("2147483648", 100_000), ("9" * 5000, 1),
])
def test_page_numbers_are_clamped(raw, page):
    assert page_number(raw) == page
