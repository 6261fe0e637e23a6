"""Settings: defaults here, overridden by LMS_* environment variables (see README)."""
import difflib
import ipaddress
import os
import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


class Config:
    """Production defaults. Anything secret or site-specific comes from the environment."""

    SECRET_KEY: str | None = None  # LMS_SECRET_KEY, else generated once into instance/
    CASE_KEY: str | None = None  # LMS_CASE_KEY: master keys of case content, else instance/case_key (lms/sealing.py)
    SQLALCHEMY_DATABASE_URI: str | None = None  # LMS_DATABASE_URL, else SQLite in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BASE_URL = "http://127.0.0.1:5000"

    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    LANGUAGES = ("de", "en")

    MAX_CONTENT_LENGTH = 20 * MB
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_MAX_AGE_DAYS = 30  # a sign-in (also "angemeldet bleiben") ends after this long at the latest
    HSTS_MAX_AGE = 31_536_000  # Strict-Transport-Security under an https base URL (0: not sent)

    # Werkzeug's scrypt: memory-hard (n=2**15, r=8, p=1 uses 32 MiB per hash).
    PASSWORD_HASH_METHOD = "scrypt:32768:8:1"
    PASSWORD_RESET_MAX_AGE = 2 * 60 * 60
    INVITATION_VALID_DAYS = 14

    # Sign-in throttle (Flask-Limiter). The counters live in the app's database (lms/ratelimit.py), so
    # every process sees the same count; LMS_RATELIMIT_STORAGE_URI may name `memory://` or `redis://…`.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "lms-database://"
    RATELIMIT_STRATEGY = "fixed-window"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # store unreachable: each process counts in memory
    RATELIMIT_SWALLOW_ERRORS = True  # and a store failing mid-request never makes a sign-in a 500
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "30 per 15 minutes"

    MAIL_SERVER: str | None = None  # unset: mails are printed to the console
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False  # STARTTLS
    MAIL_USE_SSL = False  # implicit TLS
    MAIL_SENDER = "Netzwerke für Kinderschutz <noreply@localhost>"
    MAIL_TIMEOUT = 30
    MAIL_MAX_ATTEMPTS = 5

    SCHEDULER_LEASE_SECONDS = 8  # a silent leader is replaced after this long (lms/leadership.py)
    OUTBOX_INTERVAL_SECONDS = 15
    DEADLINE_INTERVAL_SECONDS = 60
    REMINDER_INTERVAL_SECONDS = 300
    RETENTION_INTERVAL_SECONDS = 3600
    READY_SCHEDULER_MAX_AGE_SECONDS = 60  # /readyz: the scheduler's heartbeat is at most this old
    READY_OUTBOX_MAX_AGE_SECONDS = 3600  # /readyz: the oldest undelivered mail is at most this old

    # Single sign-on (lms/auth/sso): OpenID Connect providers by short name, with their settings.
    OIDC_PROVIDERS: tuple[str, ...] = ()
    OIDC: dict = {}
    SSO_TIMEOUT_SECONDS = 10  # a provider that does not answer within this is "not reachable"
    # LDAP / Active Directory (lms/auth/sso/ldap.py): off while LDAP_URL is unset.
    LDAP_URL: str | None = None
    LDAP_LABEL = "Verzeichnisdienst"
    LDAP_STARTTLS = False
    LDAP_CA_FILE: str | None = None
    LDAP_BIND_DN: str | None = None
    LDAP_BIND_PASSWORD: str | None = None
    LDAP_BASE_DN: str | None = None
    LDAP_USER_FILTER = "(|(uid={login})(mail={login}))"
    LDAP_ID_ATTRIBUTE = "entryUUID"
    LDAP_EMAIL_ATTRIBUTE = "mail"
    LDAP_NAME_ATTRIBUTE = "displayName"
    LDAP_GROUP_ATTRIBUTE = "memberOf"
    LDAP_GROUP_SEARCH: str | None = None
    LDAP_REGION_ATTRIBUTE: str | None = None
    LDAP_SECTOR_ATTRIBUTE: str | None = None
    LDAP_ROLES: tuple[tuple[str, str], ...] = ()
    LDAP_EMAIL_DOMAINS: tuple[str, ...] = ()
    METRICS_TOKEN: str | None = None  # /metrics answers a bearer of this token (lms/metrics.py)
    METRICS_ALLOW: tuple = ()  # ... and these addresses or networks; neither set: /metrics is off

    CONSULTATION_MAX_OPEN_PER_EXPERT = 2  # open bookings one booker may hold with one expert
    CONSULTATION_CHANGE_CUTOFF_MINUTES = 120  # bookers move a booking until this long before it starts
    CONSULTATION_RETENTION_DAYS = 90  # case content is erased this long after the consultation
    # Retention of personal data (docs/privacy.md; the rules in lms/datenschutz/rules.py), in days.
    RETENTION_OUTBOX_BODY_DAYS = 30  # a delivered or given-up mail's body and attachment
    RETENTION_OUTBOX_DAYS = 365  # the mail's row (recipient, subject, when)
    RETENTION_HISTORY_DAYS = 730  # enrolment history and attendance, after the offering's last date
    RETENTION_AUDIT_DAYS = 730  # the audit trail of administrative actions
    RETENTION_CASE_ACCESS_DAYS = 365  # the case access log
    RETENTION_DEACTIVATED_ACCOUNT_DAYS = 365  # a deactivated account is erased after this long; 0: never
    ACCOUNT_SELF_ERASURE = False  # people may erase their own account under "Mein Konto"
    NETWORK_CONFIRM_AFTER_DAYS = 183  # a network entry unconfirmed this long asks its owner by mail
    NETWORK_CONFIRM_GRACE_DAYS = 14  # and shows as "nicht bestätigt" this long after that
    NETWORK_AGREEMENT_NOTICE_DAYS = 90  # a cooperation agreement's coordinator hears of its end this early
    NETWORK_MINUTES_REVIEW_DAYS = 14  # a body's members correct draft minutes this long before approval
    NETWORK_TASK_REMINDER_DAYS = 7  # a task's owner is reminded this long before its due day

    LOG_FORMAT = "text"  # or "json": one JSON object per line (lms/requestlog.py)
    LOG_REQUESTS = True  # one line per request, with its request id
    FEED_RECHECK_SECONDS = 2.0  # a process answers repeated feed polls from memory this long (0: off)
    FEED_HORIZON_MONTHS = 12  # feeds hold events from 30 days back to this far ahead
    MIN_GROUP_SIZE = 5  # no published figure describes fewer people (lms/disclosure.py)
    REPORT_FIGURES: tuple[str, ...] = ()  # the annual report's figures by key, in order (lms/berichte); (): all

    ASSETS_DIR: str | None = None  # LMS_ASSETS_DIR, else ./node_modules of the checkout
    FILE_STORAGE: str | None = None  # LMS_FILE_STORAGE=s3://bucket/prefix: uploads in a bucket (lms/storage.py)
    FILE_STORAGE_DIR: str | None = None  # LMS_FILE_STORAGE_DIR, else instance/files
    S3_ENDPOINT_URL: str | None = None  # unset: AWS; set for MinIO, Ceph RGW or another cloud
    S3_REGION: str | None = None
    S3_ACCESS_KEY_ID: str | None = None  # unset: boto3's own chain (AWS_* variables, instance role)
    S3_SECRET_ACCESS_KEY: str | None = None
    FILE_ACCEL = "none"  # nginx: X-Accel-Redirect to FILE_ACCEL_PREFIX; sendfile: X-Sendfile with the path
    FILE_ACCEL_PREFIX = "/_dateien/"
    PINNED_NOW = None  # tests only (never from the environment): the instant `lms.db.utcnow` returns
    CERTIFICATE_ISSUER = "Netzwerke für Kinderschutz – Koordinationsstelle"
    PROXY_HOPS = 0  # reverse proxies in front of the app whose X-Forwarded-* headers are trusted


class TestConfig(Config):
    """Fast, isolated settings for the test suite."""

    TESTING = True
    SECRET_KEY = "test-only-secret"
    CASE_KEY = "dGVzdC1vbmx5LWNhc2Uta2V5LTMyLWJ5dGVzLWxvbmc="  # 32 bytes: seeded rows copied between tests open
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # still scrypt, cheap enough for hundreds of users
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    BASE_URL = "http://lms.test"
    MAIL_SENDER = "lms@example.org"
    LOG_REQUESTS = False  # tests that look at the lines switch them on


class ConfigError(ValueError):
    """Settings that cannot be used, one line each; `lms` and the WSGI module print the lines and stop."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _flag(value: str) -> bool:
    word = value.strip().lower()
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"0", "false", "no", "off"}:
        return False
    raise ValueError("not a yes/no value (true or false)")


def _number(kind, low=None, high=None):
    """A converter to int or float within [low, high]."""
    def convert(value: str):
        try:
            number = kind(value.strip())
        except ValueError:
            raise ValueError("not a whole number" if kind is int else "not a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("not a number")
        if (low is not None and number < low) or (high is not None and number > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"must be {bounds}")
        return number
    return convert


def _choice(*words: str):
    def convert(value: str) -> str:
        if value.strip().lower() not in words:
            raise ValueError(f"must be one of {', '.join(words)}")
        return value.strip().lower()
    return convert


def _days(value: str) -> int:
    """A retention period: at least one day (0 would not mean "keep" but "purge at once")."""
    days = _number(int)(value)
    if days < 1:
        raise ValueError(f"a retention period must be at least 1 day, not {days}")
    return days


def _keys(value: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in value.split(",") if key.strip())


def _web_address(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http:// or https:// address")
    return value.strip().rstrip("/")


def _database_url(value: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except ArgumentError:
        raise ValueError("not a database URL (e.g. postgresql+psycopg://user:password@host/lms)") from None
    return value


def _uri(value: str) -> str:
    if "://" not in value:
        raise ValueError("not a URI (e.g. redis://host:6379)")
    return value


def _bucket(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("not an s3://bucket/prefix address")
    return value.strip()


def _path_prefix(value: str) -> str:
    if not value.startswith("/") or any(char in value for char in "?# "):
        raise ValueError("not a path of the web server (e.g. /_dateien/)")
    return value


def _networks(value: str) -> tuple:
    try:
        return tuple(ipaddress.ip_network(part, strict=False) for part in _keys(value))
    except ValueError:
        raise ValueError("not a list of addresses or networks (e.g. 10.0.0.0/8,127.0.0.1)") from None


def _provider_ids(value: str) -> tuple[str, ...]:
    ids = _keys(value.lower())
    if not all(re.fullmatch(r"[a-z][a-z0-9]{0,19}", id_) for id_ in ids) or len(set(ids)) != len(ids):
        raise ValueError("not a list of distinct short names of letters and digits (e.g. keycloak,entra)")
    return ids


def _ldap_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("ldap", "ldaps") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError("not an ldap:// or ldaps:// address of a server (e.g. ldaps://dc1.kreis.example)")
    return value.strip().rstrip("/")


def _role_map(value: str) -> tuple[tuple[str, str], ...]:
    """'group => role; group => role': groups as the directory spells them (DNs hold ',' and '=')."""
    pairs = []
    for entry in filter(str.strip, value.split(";")):
        group, arrow, role = entry.rpartition("=>")
        if not arrow or not group.strip() or not role.strip():
            raise ValueError("not a list of 'group => role' separated by ';'")
        pairs.append((group.strip(), role.strip().lower()))
    return tuple(pairs)


def _show_roles(pairs) -> str:
    return "; ".join(f"{group} => {role}" for group, role in pairs)


@dataclass(frozen=True)
class Setting:
    """One LMS_* variable: the config key it sets, how its text becomes a value, whether it is secret."""

    key: str
    convert: Callable[[str], object] = str
    secret: bool = False
    show: Callable[[object], str] = str  # the value as the variable would spell it (`lms check-config`)


_PORT = _number(int, 1, 65535)
_COUNT = _number(int, 0)

# LMS_<NAME> -> setting; the README's configuration table describes each.
SETTINGS = {
    "DATABASE_URL": Setting("SQLALCHEMY_DATABASE_URI", _database_url, secret=True),
    "SECRET_KEY": Setting("SECRET_KEY", secret=True),
    "CASE_KEY": Setting("CASE_KEY", secret=True),
    "BASE_URL": Setting("BASE_URL", _web_address),
    "MAIL_SERVER": Setting("MAIL_SERVER"),
    "MAIL_PORT": Setting("MAIL_PORT", _PORT),
    "MAIL_USERNAME": Setting("MAIL_USERNAME"),
    "MAIL_PASSWORD": Setting("MAIL_PASSWORD", secret=True),
    "MAIL_USE_TLS": Setting("MAIL_USE_TLS", _flag),
    "MAIL_USE_SSL": Setting("MAIL_USE_SSL", _flag),
    "MAIL_SENDER": Setting("MAIL_SENDER"),
    "RATELIMIT_STORAGE_URI": Setting("RATELIMIT_STORAGE_URI", _uri, secret=True),
    "SESSION_COOKIE_SECURE": Setting("SESSION_COOKIE_SECURE", _flag),
    "MAX_UPLOAD_MB": Setting("MAX_CONTENT_LENGTH", lambda v: _number(int, 1, 1024)(v) * MB, show=lambda v: str(v // MB)),
    "ASSETS_DIR": Setting("ASSETS_DIR"),
    "PROXY_HOPS": Setting("PROXY_HOPS", _number(int, 0, 10)),
    "CERTIFICATE_ISSUER": Setting("CERTIFICATE_ISSUER"),
    "FILE_STORAGE_DIR": Setting("FILE_STORAGE_DIR"),
    "FILE_STORAGE": Setting("FILE_STORAGE", _bucket),
    "S3_ENDPOINT_URL": Setting("S3_ENDPOINT_URL", _web_address),
    "S3_REGION": Setting("S3_REGION"),
    "S3_ACCESS_KEY_ID": Setting("S3_ACCESS_KEY_ID"),
    "S3_SECRET_ACCESS_KEY": Setting("S3_SECRET_ACCESS_KEY", secret=True),
    "FILE_ACCEL": Setting("FILE_ACCEL", _choice("none", "nginx", "sendfile")),
    "FILE_ACCEL_PREFIX": Setting("FILE_ACCEL_PREFIX", _path_prefix),
    "CONSULTATION_MAX_OPEN_PER_EXPERT": Setting("CONSULTATION_MAX_OPEN_PER_EXPERT", _number(int, 1)),
    "CONSULTATION_CHANGE_CUTOFF_MINUTES": Setting("CONSULTATION_CHANGE_CUTOFF_MINUTES", _COUNT),
    "CONSULTATION_RETENTION_DAYS": Setting("CONSULTATION_RETENTION_DAYS", _COUNT),
    "RETENTION_OUTBOX_BODY_DAYS": Setting("RETENTION_OUTBOX_BODY_DAYS", _days),
    "RETENTION_OUTBOX_DAYS": Setting("RETENTION_OUTBOX_DAYS", _days),
    "RETENTION_HISTORY_DAYS": Setting("RETENTION_HISTORY_DAYS", _days),
    "RETENTION_AUDIT_DAYS": Setting("RETENTION_AUDIT_DAYS", _days),
    "RETENTION_CASE_ACCESS_DAYS": Setting("RETENTION_CASE_ACCESS_DAYS", _days),
    "RETENTION_DEACTIVATED_ACCOUNT_DAYS": Setting("RETENTION_DEACTIVATED_ACCOUNT_DAYS", _COUNT),
    "ACCOUNT_SELF_ERASURE": Setting("ACCOUNT_SELF_ERASURE", _flag),
    "NETWORK_CONFIRM_AFTER_DAYS": Setting("NETWORK_CONFIRM_AFTER_DAYS", _number(int, 1)),
    "NETWORK_CONFIRM_GRACE_DAYS": Setting("NETWORK_CONFIRM_GRACE_DAYS", _COUNT),
    "NETWORK_AGREEMENT_NOTICE_DAYS": Setting("NETWORK_AGREEMENT_NOTICE_DAYS", _COUNT),
    "NETWORK_MINUTES_REVIEW_DAYS": Setting("NETWORK_MINUTES_REVIEW_DAYS", _COUNT),
    "NETWORK_TASK_REMINDER_DAYS": Setting("NETWORK_TASK_REMINDER_DAYS", _COUNT),
    "LOG_FORMAT": Setting("LOG_FORMAT", _choice("text", "json")),
    "LOG_REQUESTS": Setting("LOG_REQUESTS", _flag),
    "FEED_RECHECK_SECONDS": Setting("FEED_RECHECK_SECONDS", _number(float)),
    "FEED_HORIZON_MONTHS": Setting("FEED_HORIZON_MONTHS", _number(int)),
    "MIN_GROUP_SIZE": Setting("MIN_GROUP_SIZE", _number(int)),
    "REPORT_FIGURES": Setting("REPORT_FIGURES", _keys),
    "SESSION_MAX_AGE_DAYS": Setting("SESSION_MAX_AGE_DAYS", _number(int, 1)),
    "HSTS_MAX_AGE": Setting("HSTS_MAX_AGE", _COUNT),
    "SCHEDULER_LEASE_SECONDS": Setting("SCHEDULER_LEASE_SECONDS", _number(float, 2, 300)),
    "OUTBOX_INTERVAL_SECONDS": Setting("OUTBOX_INTERVAL_SECONDS", _number(int, 1, 3600)),
    "DEADLINE_INTERVAL_SECONDS": Setting("DEADLINE_INTERVAL_SECONDS", _number(int, 1, 3600)),
    "REMINDER_INTERVAL_SECONDS": Setting("REMINDER_INTERVAL_SECONDS", _number(int, 1, 86400)),
    "RETENTION_INTERVAL_SECONDS": Setting("RETENTION_INTERVAL_SECONDS", _number(int, 1, 86400)),
    "READY_SCHEDULER_MAX_AGE_SECONDS": Setting("READY_SCHEDULER_MAX_AGE_SECONDS", _number(int, 1)),
    "METRICS_TOKEN": Setting("METRICS_TOKEN", secret=True),
    "METRICS_ALLOW": Setting("METRICS_ALLOW", _networks, show=lambda v: ",".join(map(str, v))),
    "READY_OUTBOX_MAX_AGE_SECONDS": Setting("READY_OUTBOX_MAX_AGE_SECONDS", _number(int, 1)),
    "OIDC_PROVIDERS": Setting("OIDC_PROVIDERS", _provider_ids),
    "LDAP_URL": Setting("LDAP_URL", _ldap_url),
    "LDAP_LABEL": Setting("LDAP_LABEL"),
    "LDAP_STARTTLS": Setting("LDAP_STARTTLS", _flag),
    "LDAP_CA_FILE": Setting("LDAP_CA_FILE"),
    "LDAP_BIND_DN": Setting("LDAP_BIND_DN"),
    "LDAP_BIND_PASSWORD": Setting("LDAP_BIND_PASSWORD", secret=True),
    "LDAP_BASE_DN": Setting("LDAP_BASE_DN"),
    "LDAP_USER_FILTER": Setting("LDAP_USER_FILTER"),
    "LDAP_ID_ATTRIBUTE": Setting("LDAP_ID_ATTRIBUTE"),
    "LDAP_EMAIL_ATTRIBUTE": Setting("LDAP_EMAIL_ATTRIBUTE"),
    "LDAP_NAME_ATTRIBUTE": Setting("LDAP_NAME_ATTRIBUTE"),
    "LDAP_GROUP_ATTRIBUTE": Setting("LDAP_GROUP_ATTRIBUTE"),
    "LDAP_GROUP_SEARCH": Setting("LDAP_GROUP_SEARCH"),
    "LDAP_REGION_ATTRIBUTE": Setting("LDAP_REGION_ATTRIBUTE"),
    "LDAP_SECTOR_ATTRIBUTE": Setting("LDAP_SECTOR_ATTRIBUTE"),
    "LDAP_ROLES": Setting("LDAP_ROLES", _role_map, show=_show_roles),
    "LDAP_EMAIL_DOMAINS": Setting("LDAP_EMAIL_DOMAINS", lambda value: _keys(value.lower())),
    "SSO_TIMEOUT_SECONDS": Setting("SSO_TIMEOUT_SECONDS", _number(float, 1, 60)),
}

# LMS_OIDC_<PROVIDER>_<FIELD> for each provider named in LMS_OIDC_PROVIDERS: config["OIDC"][provider][key].
OIDC_FIELDS = {
    "ISSUER": Setting("issuer", _web_address),
    "CLIENT_ID": Setting("client_id"),
    "CLIENT_SECRET": Setting("client_secret", secret=True),
    "LABEL": Setting("label"),
    "SCOPES": Setting("scopes"),
    "EMAIL_CLAIM": Setting("email_claim"),
    "NAME_CLAIM": Setting("name_claim"),
    "GROUPS_CLAIM": Setting("groups_claim"),
    "REGION_CLAIM": Setting("region_claim"),
    "SECTOR_CLAIM": Setting("sector_claim"),
    "ROLES": Setting("roles", _role_map, show=_show_roles),
    "TRUST_EMAIL": Setting("trust_email", _flag),
    "EMAIL_DOMAINS": Setting("email_domains", lambda value: _keys(value.lower())),
}

# LMS_* names that are no setting of the app but known: read before the configuration, or by the suite.
OTHER_VARIABLES = {
    "INSTANCE_PATH": "the instance folder (read by create_app before the settings)",
    "TEST_DATABASE_URL": "the test suite's PostgreSQL database",
    "FUZZ_EXAMPLES": "the test suite's number of generated examples",
    "FUZZ_RANDOM": "the test suite's random seed",
}


def from_environment(environ=os.environ) -> dict:
    """The config keys set through LMS_* variables. Every LMS_* name must be known and every value
    well-formed: otherwise ConfigError names each mistake (a misspelt name would silently leave a
    default in place, e.g. SQLite instead of PostgreSQL)."""
    values, problems = {}, []
    try:
        providers = _provider_ids(environ.get("LMS_OIDC_PROVIDERS", ""))
    except ValueError:
        providers = ()  # named as a mistake below
    fields = {f"OIDC_{provider.upper()}_{field}": (provider, setting)
              for provider in providers for field, setting in OIDC_FIELDS.items()}
    for variable in sorted(name for name in environ if name.startswith("LMS_")):
        name, raw = variable[4:], environ[variable]
        setting = SETTINGS.get(name)
        if setting is None and name in fields:
            provider, setting = fields[name]
            target = values.setdefault("OIDC", {}).setdefault(provider, {})
        else:
            target = values
        if setting is None:
            if name not in OTHER_VARIABLES:
                close = difflib.get_close_matches(name, [*SETTINGS, *OTHER_VARIABLES], n=1)
                problems.append(f"{variable}: unknown setting" + (f" (did you mean LMS_{close[0]}?)" if close else ""))
            continue
        if raw == "":
            continue
        try:
            target[setting.key] = setting.convert(raw)
        except ValueError as error:
            shown = "" if setting.secret else f"={raw!r}"
            problems.append(f"{variable}{shown}: {error}")
    if problems:
        raise ConfigError(problems)
    return values


def stop(error: ConfigError, code: int) -> NoReturn:
    """End the process over unusable settings: each mistake on its own line of stderr, no traceback."""
    for problem in error.problems:
        # One write per line: workers starting at once share stderr, and print() writes the text and
        # its newline separately, so another process's line could land between them.
        sys.stderr.write(f"lms: configuration: {problem}\n")
        sys.stderr.flush()
    sys.exit(code)


def masked(setting: Setting, value) -> str:
    """*value* as `lms check-config` prints it: secrets as ***, a URL's password hidden."""
    if value in (None, "", ()):
        return "(unset)"
    if setting.secret:
        if setting.convert in (_database_url, _uri):
            parts = urlsplit(str(value))
            if parts.password:
                return str(value).replace(f":{parts.password}@", ":***@", 1)
            return str(value)
        return "***"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple) and setting.show is str:
        return ",".join(value)
    return setting.show(value)


def private_temporary(path: Path, text: str) -> Path:
    """A new file beside *path* holding *text*, readable by its owner only (mode 0600): to be put in
    place by a link or a rename, so that nobody ever reads a half-written key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return temporary


def instance_file(path: Path, make) -> str:
    """The content of a generated instance file (a key), creating it with make()'s text on first use.
    Processes starting at once agree on one: each links its file into place only if none is there
    yet (atomic), and reads whichever won."""
    if not path.exists():
        temporary = private_temporary(path, make())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # a parallel first start won
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


def instance_secret_key(instance_path: Path) -> str:
    """Read the secret key from instance/, creating it on first use."""
    return instance_file(instance_path / "secret_key", lambda: secrets.token_urlsafe(48))


def default_instance_path(environ=os.environ) -> str | None:
    """LMS_INSTANCE_PATH; else a checkout's ./instance (Flask's default, None here); else, for an
    installed wheel, the user's data folder: Flask's default would be inside the virtualenv, and
    rebuilding the venv would lose the database, the keys and the files."""
    if environ.get("LMS_INSTANCE_PATH"):
        return environ["LMS_INSTANCE_PATH"]
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return None
    return str(Path(environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "lms")


def default_assets_dir() -> Path:
    return PROJECT_ROOT / "node_modules"
