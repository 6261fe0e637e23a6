"""Settings: defaults here, overridden by LMS_* environment variables (see README)."""
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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

    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
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

    SCHEDULER_ENABLED = False  # `lms run` and `lms scheduler` switch it on
    OUTBOX_INTERVAL_SECONDS = 15
    DEADLINE_INTERVAL_SECONDS = 60
    REMINDER_INTERVAL_SECONDS = 300
    RETENTION_INTERVAL_SECONDS = 3600

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

    FEED_RECHECK_SECONDS = 2.0  # a process answers repeated feed polls from memory this long (0: off)
    FEED_HORIZON_MONTHS = 12  # feeds hold events from 30 days back to this far ahead
    MIN_GROUP_SIZE = 5  # no published figure describes fewer people (lms/disclosure.py)
    REPORT_FIGURES: tuple[str, ...] = ()  # the annual report's figures by key, in order (lms/berichte); (): all

    ASSETS_DIR: str | None = None  # LMS_ASSETS_DIR, else ./node_modules of the checkout
    FILE_STORAGE_DIR: str | None = None  # LMS_FILE_STORAGE_DIR, else instance/files
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


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _days(value: str) -> int:
    """A retention period: at least one day (0 would not mean "keep" but "purge at once")."""
    days = int(value)
    if days < 1:
        raise ValueError(f"a retention period must be at least 1 day, not {days}")
    return days


def _keys(value: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in value.split(",") if key.strip())


# LMS_<NAME> -> (config key, converter)
ENVIRONMENT = {
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "CASE_KEY": ("CASE_KEY", str),
    "BASE_URL": ("BASE_URL", str),
    "MAIL_SERVER": ("MAIL_SERVER", str),
    "MAIL_PORT": ("MAIL_PORT", int),
    "MAIL_USERNAME": ("MAIL_USERNAME", str),
    "MAIL_PASSWORD": ("MAIL_PASSWORD", str),
    "MAIL_USE_TLS": ("MAIL_USE_TLS", _flag),
    "MAIL_USE_SSL": ("MAIL_USE_SSL", _flag),
    "MAIL_SENDER": ("MAIL_SENDER", str),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", _flag),
    "MAX_UPLOAD_MB": ("MAX_CONTENT_LENGTH", lambda v: int(v) * 1024 * 1024),
    "ASSETS_DIR": ("ASSETS_DIR", str),
    "PROXY_HOPS": ("PROXY_HOPS", int),
    "CERTIFICATE_ISSUER": ("CERTIFICATE_ISSUER", str),
    "FILE_STORAGE_DIR": ("FILE_STORAGE_DIR", str),
    "CONSULTATION_MAX_OPEN_PER_EXPERT": ("CONSULTATION_MAX_OPEN_PER_EXPERT", int),
    "CONSULTATION_CHANGE_CUTOFF_MINUTES": ("CONSULTATION_CHANGE_CUTOFF_MINUTES", int),
    "CONSULTATION_RETENTION_DAYS": ("CONSULTATION_RETENTION_DAYS", int),
    "RETENTION_OUTBOX_BODY_DAYS": ("RETENTION_OUTBOX_BODY_DAYS", _days),
    "RETENTION_OUTBOX_DAYS": ("RETENTION_OUTBOX_DAYS", _days),
    "RETENTION_HISTORY_DAYS": ("RETENTION_HISTORY_DAYS", _days),
    "RETENTION_AUDIT_DAYS": ("RETENTION_AUDIT_DAYS", _days),
    "RETENTION_CASE_ACCESS_DAYS": ("RETENTION_CASE_ACCESS_DAYS", _days),
    "RETENTION_DEACTIVATED_ACCOUNT_DAYS": ("RETENTION_DEACTIVATED_ACCOUNT_DAYS", int),
    "ACCOUNT_SELF_ERASURE": ("ACCOUNT_SELF_ERASURE", _flag),
    "NETWORK_CONFIRM_AFTER_DAYS": ("NETWORK_CONFIRM_AFTER_DAYS", int),
    "NETWORK_CONFIRM_GRACE_DAYS": ("NETWORK_CONFIRM_GRACE_DAYS", int),
    "NETWORK_AGREEMENT_NOTICE_DAYS": ("NETWORK_AGREEMENT_NOTICE_DAYS", int),
    "NETWORK_MINUTES_REVIEW_DAYS": ("NETWORK_MINUTES_REVIEW_DAYS", int),
    "NETWORK_TASK_REMINDER_DAYS": ("NETWORK_TASK_REMINDER_DAYS", int),
    "FEED_RECHECK_SECONDS": ("FEED_RECHECK_SECONDS", float),
    "FEED_HORIZON_MONTHS": ("FEED_HORIZON_MONTHS", int),
    "MIN_GROUP_SIZE": ("MIN_GROUP_SIZE", int),
    "REPORT_FIGURES": ("REPORT_FIGURES", _keys),
    "SESSION_MAX_AGE_DAYS": ("SESSION_MAX_AGE_DAYS", int),
    "HSTS_MAX_AGE": ("HSTS_MAX_AGE", int),
}


def from_environment(environ=os.environ) -> dict:
    """Return the config keys set through LMS_* variables."""
    values = {}
    for name, (key, convert) in ENVIRONMENT.items():
        raw = environ.get(f"LMS_{name}")
        if raw not in (None, ""):
            values[key] = convert(raw)
    return values


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


def default_assets_dir() -> Path:
    return PROJECT_ROOT / "node_modules"
