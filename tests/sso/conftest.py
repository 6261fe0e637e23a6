"""A real OpenID provider (node's oidc-provider) on loopback, and a client that signs in through it.

The provider is started once per test session and worker; its signing key is made here, so that a
test can also sign an ID token the provider never issued (the hostile issuer in test_oidc.py).
"""
import json
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey

from tests.conftest import free_port
from tests.sso.hostile import HostileIssuer

ROOT = Path(__file__).resolve().parents[2]
NODE_PROVIDER = Path(__file__).with_name("provider.mjs")
CLIENT_ID, CLIENT_SECRET = "lms", "lms-tests-secret"
NAME, LABEL = "landeskeycloak", "Landes-Keycloak"
LIVE_PORT = free_port()  # the browser tests' app: the provider knows its addresses in advance
DOWN = f"http://127.0.0.1:{free_port()}"  # nothing listens there
APP_BASES = ("http://lms.test", f"http://127.0.0.1:{LIVE_PORT}")


@dataclass
class OidcServer:
    issuer: str
    key: RSAKey
    accounts_file: Path

    def accounts(self, **people: dict) -> None:
        """Who exists at the provider now: login name -> claims."""
        self.accounts_file.write_text(json.dumps(people))


@pytest.fixture(scope="session")
def oidc_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("oidc")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    key = RSAKey.generate_key(2048, parameters={"kid": "lms-test", "use": "sig", "alg": "RS256"})
    server = OidcServer(issuer, key, directory / "accounts.json")
    server.accounts()
    config = {
        "issuer": issuer, "port": port, "accounts_file": str(server.accounts_file),
        "jwks": {"keys": [key.as_dict(private=True)]},
        "clients": [{
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{base}/anmelden/mit/{NAME}/zurueck" for base in APP_BASES],
            "post_logout_redirect_uris": [f"{base}/anmelden" for base in APP_BASES],
        }],
    }
    (directory / "config.json").write_text(json.dumps(config))
    with open(directory / "provider.log", "w") as log:
        process = subprocess.Popen(["node", str(NODE_PROVIDER), str(directory / "config.json")], cwd=ROOT,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_ready(issuer, process, directory / "provider.log")
            yield server
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_ready(issuer: str, process, log: Path) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail("the OpenID provider did not start: " + log.read_text()[-2000:])
        time.sleep(0.1)


def provider_settings(issuer: str, **changes) -> dict:
    settings = {
        "issuer": issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "label": LABEL,
        "scopes": "openid email profile groups lms", "region_claim": "region", "sector_claim": "sector",
        "roles": (("Kinderschutz-Koordination", "coordinator"), ("Referentinnen", "trainer")),
    }
    return {**settings, **changes}


@pytest.fixture(scope="session")
def hostile_issuer(oidc_server):
    """An issuer whose tokens the test writes; it signs with the real provider's key unless told otherwise."""
    issuer = HostileIssuer(oidc_server.key).start()
    yield issuer
    issuer.stop()


@pytest.fixture
def app_config(oidc_server, hostile_issuer):
    return {"OIDC_PROVIDERS": (NAME, "hostile", "down"), "OIDC": {
        NAME: provider_settings(oidc_server.issuer),
        "hostile": provider_settings(hostile_issuer.issuer, label="Fremder Dienst", client_id="lms-h", roles=()),
        "down": provider_settings(DOWN, label="Ausgefallener Dienst"),
    }}


def through_provider(client, login: str, *, start: str = f"/anmelden/mit/{NAME}"):
    """Sign in as *login* at the provider, the way a browser would; return the app's answer to the
    way back (not followed) and the address the provider sent the browser back to."""
    started = client.get(start)
    assert started.status_code == 302, started.status_code
    browser = requests.Session()
    page = browser.get(started.location, timeout=10)
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1)
    answer = browser.post(urljoin(page.url, action), data={"prompt": "login", "login": login, "password": "egal"},
                          allow_redirects=False, timeout=10)
    while not answer.headers["Location"].startswith(APP_BASES):
        answer = browser.get(urljoin(answer.url, answer.headers["Location"]), allow_redirects=False, timeout=10)
    back = answer.headers["Location"]
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}"), back
