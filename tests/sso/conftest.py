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
        "email_domains": ("lk-musterland.de", "bildungswerk.example", "example.org"),
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


# --- an LDAP directory: Debian's slapd in a temporary folder, with a test tree ---------------------

BASE_DN = "dc=kreis,dc=example"
SERVICE_DN, SERVICE_PASSWORD = f"cn=lms-service,{BASE_DN}", "dienst-geheim"
DIRECTORY_PASSWORD = "Verzeichnis-Passwort-1"
SLAPD = Path("/usr/sbin/slapd")


@dataclass
class Directory:
    url: str  # plain, for StartTLS
    tls_url: str  # ldaps://
    ca_file: Path
    admin: object  # an ldap3 connection bound as the tree's root

    def person_dn(self, uid: str) -> str:
        return f"uid={uid},ou=people,{BASE_DN}"

    def group_dn(self, name: str) -> str:
        return f"cn={name},ou=groups,{BASE_DN}"

    def add_person(self, uid: str, *, mail: str, name: str, groups=(), region=None, sector=None) -> None:
        from ldap3 import MODIFY_ADD

        attributes = {"cn": name, "sn": name.split()[-1], "displayName": name, "mail": mail,
                      "userPassword": DIRECTORY_PASSWORD}
        if region:
            attributes["l"] = region
        if sector:
            attributes["businessCategory"] = sector
        assert self.admin.add(self.person_dn(uid), ["inetOrgPerson"], attributes), self.admin.result
        for group in groups:
            assert self.admin.modify(self.group_dn(group), {"member": [(MODIFY_ADD, [self.person_dn(uid)])]})

    def leave_group(self, uid: str, group: str) -> None:
        from ldap3 import MODIFY_DELETE

        assert self.admin.modify(self.group_dn(group), {"member": [(MODIFY_DELETE, [self.person_dn(uid)])]})

    def remove_person(self, uid: str) -> None:
        assert self.admin.delete(self.person_dn(uid)), self.admin.result

    def clear_people(self) -> None:
        from ldap3 import SUBTREE

        self.admin.search(f"ou=people,{BASE_DN}", "(objectClass=inetOrgPerson)", SUBTREE, attributes=[])
        for entry in list(self.admin.response):
            self.admin.delete(entry["dn"])


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate for 127.0.0.1 signed by it, so that StartTLS is checked for real."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def pem_key(key, path):
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))

    now = datetime.datetime.now(datetime.UTC)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lms test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(server_key.public_key()).serial_number(2)
              .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                             critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    pem_key(server_key, paths[2])
    return paths


SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {folder}/slapd.pid
TLSCACertificateFile {ca}
TLSCertificateFile {certificate}
TLSCertificateKeyFile {key}
database mdb
suffix "{base}"
rootdn "cn=admin,{base}"
rootpw admin-geheim
directory {folder}/data
overlay memberof
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="{service}" read by self read by * none
"""


@pytest.fixture(scope="session")
def ldap_directory(tmp_path_factory):
    """Debian's slapd on a loopback port (plain and StartTLS), with people and groups: a fixture
    of the test session, emptied of people by each test that uses `directory`."""
    if not SLAPD.exists():
        pytest.fail("Debian's slapd is missing: apt-get install -y slapd")
    folder = tmp_path_factory.mktemp("slapd")
    (folder / "data").mkdir()
    ca, certificate, key = _certificates(folder)
    (folder / "slapd.conf").write_text(SLAPD_CONF.format(folder=folder, ca=ca, certificate=certificate, key=key,
                                                         base=BASE_DN, service=SERVICE_DN))
    url, tls_url = f"ldap://127.0.0.1:{free_port()}", f"ldaps://127.0.0.1:{free_port()}"
    with open(folder / "slapd.log", "w") as log:
        process = subprocess.Popen([str(SLAPD), "-f", str(folder / "slapd.conf"), "-h", f"{url}/ {tls_url}/", "-d", "0"],
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            admin = _connect_as_root(url, process, folder / "slapd.log")
            for dn, classes, attributes in [
                (BASE_DN, ["dcObject", "organization"], {"dc": "kreis", "o": "Landkreis Musterland"}),
                (f"ou=people,{BASE_DN}", ["organizationalUnit"], {"ou": "people"}),
                (f"ou=groups,{BASE_DN}", ["organizationalUnit"], {"ou": "groups"}),
                (SERVICE_DN, ["organizationalRole", "simpleSecurityObject"], {"cn": "lms-service",
                                                                               "userPassword": SERVICE_PASSWORD}),
                # groupOfNames needs a member: the tree's root stands in for "nobody else yet"
                *[(f"cn={name},ou=groups,{BASE_DN}", ["groupOfNames"], {"cn": name, "member": f"cn=admin,{BASE_DN}"})
                  for name in ("Kinderschutz-Koordination", "Referentinnen", "Kantine")],
            ]:
                assert admin.add(dn, classes, attributes), admin.result
            yield Directory(url, tls_url, ca, admin)
        finally:
            process.terminate()
            process.wait(timeout=10)


def _connect_as_root(url: str, process, log: Path):
    from ldap3 import Connection, Server

    deadline = time.monotonic() + 20
    while True:
        try:
            return Connection(Server(url, connect_timeout=1), user=f"cn=admin,{BASE_DN}", password="admin-geheim",
                              auto_bind=True)
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("slapd did not start: " + log.read_text()[-2000:])
            time.sleep(0.1)


@pytest.fixture
def directory(ldap_directory):
    from ldap3 import MODIFY_REPLACE

    ldap_directory.clear_people()
    for group in ("Kinderschutz-Koordination", "Referentinnen", "Kantine"):  # back to only the stand-in
        ldap_directory.admin.modify(ldap_directory.group_dn(group), {"member": [(MODIFY_REPLACE, [f"cn=admin,{BASE_DN}"])]})
    return ldap_directory


def ldap_settings(directory: Directory, **changes) -> dict:
    settings = {
        "LDAP_URL": directory.url, "LDAP_LABEL": "Kreis-Verzeichnis", "LDAP_STARTTLS": True,
        "LDAP_CA_FILE": str(directory.ca_file), "LDAP_BIND_DN": SERVICE_DN, "LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
        "LDAP_BASE_DN": BASE_DN, "LDAP_REGION_ATTRIBUTE": "l", "LDAP_SECTOR_ATTRIBUTE": "businessCategory",
        "LDAP_ROLES": ((f"cn=Kinderschutz-Koordination,ou=groups,{BASE_DN}", "coordinator"),
                       (f"cn=Referentinnen,ou=groups,{BASE_DN}", "trainer")),
    }
    return {**settings, **changes}
