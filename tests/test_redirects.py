"""Redirect targets from user input: the sign-in page's `next` leads only to a path on this site."""
import pytest

from lms.redirects import safe_target
from tests.conftest import PASSWORD

# The raw query string after "next=", and the Location the sign-in answers with.
NEXT_TARGETS = [
    ("/%09/evil.example", "/"),  # urlsplit and browsers drop the tab: //evil.example
    ("/%09/evil.example/phish", "/"),
    ("/%0d%0a/evil.example", "/"),  # CR/LF dropped the same way: //evil.example, and no 500
    ("/a%0d%0aSet-Cookie:x=1", "/aSet-Cookie:x=1"),  # no header injection: the line break is gone
    ("/\\evil.example", "/"),
    ("/%5cevil.example", "/"),
    ("/%5Cevil.example", "/"),
    ("//evil.example", "/"),
    ("///evil.example", "/"),
    ("https://evil.example", "/"),
    ("https:evil.example", "/"),
    ("/%2F%2Fevil.example", "/"),  # percent-encoded slashes: "/%2F%2Fevil.example" decoded, refused
    ("/%252F%252Fevil.example", "/"),  # the same once more encoded, as the redirect would carry it
    ("%20/x", "/x"),  # a leading space goes, as in the browser; what is left is a path here
    ("%20//evil.example", "/"),
    ("%01/x", "/x"),
    ("/x%00", "/x"),
    ("javascript:alert(1)", "/"),
    ("", "/"),
    ("evil.example", "/"),
    ("/qualifizierung%3Fx%3D1", "/qualifizierung?x=1"),
    ("/qualifizierung?x=1", "/qualifizierung?x=1"),
    ("/instrumente/suche%3Fq%3Dkind%26seite%3D2%23treffer", "/instrumente/suche?q=kind&seite=2#treffer"),
]


@pytest.mark.parametrize(("raw", "location"), NEXT_TARGETS)
def test_sign_in_redirects_only_to_a_path_on_this_site(client, create_user, raw, location):
    user = create_user()
    response = client.post(f"/anmelden?next={raw}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_sign_in_without_next_goes_home(client, create_user):
    user = create_user()
    response = client.post("/anmelden", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(("value", "expected"), [
    ("/\t/evil.example", None), ("/\r\n/evil.example", None), ("\t//evil.example", None),
    ("/\x00/evil.example", None), ("/\x7f/evil.example", None), ("/\x85/evil.example", None),
    ("/\\evil.example", None), ("/x\\y", None), ("//evil.example", None), ("/.//evil.example", "/.//evil.example"),
    ("http:/evil.example", None), ("HTTPS://evil.example", None), ("webcal://evil.example/x.ics", None),
    ("mailto:x@evil.example", None), ("data:text/html,x", None), ("#top", None), ("?x=1", None), ("x", None),
    (None, None), ("   ", None), ("/", "/"), ("/konto", "/konto"), ("/ä?ö=1#f", "/ä?ö=1#f"),
    (" \t/konto \n", "/konto"), ("/mo\tdule", "/module"),
])
def test_safe_target(value, expected):
    assert safe_target(value, "DEFAULT") == (expected or "DEFAULT")
