"""Configuration that refuses mistakes: every LMS_* name known, every value typed, one line per
mistake from `lms`, from the WSGI module under gunicorn, and `lms check-config` masking secrets."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lms.config import OTHER_VARIABLES, SETTINGS, ConfigError, from_environment

ROOT = Path(__file__).resolve().parent.parent
LMS = Path(sys.executable).with_name("lms")


def _environment(tmp_path, **variables) -> dict:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("LMS_")}
    return {**clean, "LMS_INSTANCE_PATH": str(tmp_path / "instance"), **variables}


@pytest.mark.parametrize(("variable", "value", "problem"), [
    ("LMS_DATABSE_URL", "postgresql+psycopg://u:p@db/lms", "LMS_DATABSE_URL: unknown setting (did you mean LMS_DATABASE_URL?)"),
    ("LMS_WHATEVER", "1", "LMS_WHATEVER: unknown setting"),
    ("LMS_MAIL_PORT", "abc", "LMS_MAIL_PORT='abc': not a whole number"),
    ("LMS_MAIL_PORT", "70000", "LMS_MAIL_PORT='70000': must be between 1 and 65535"),
    ("LMS_MAIL_USE_TLS", "vielleicht", "LMS_MAIL_USE_TLS='vielleicht': not a yes/no value (true or false)"),
    ("LMS_BASE_URL", "lms.example.org", "LMS_BASE_URL='lms.example.org': not an http:// or https:// address"),
    ("LMS_DATABASE_URL", "postgres//nohost", "LMS_DATABASE_URL: not a database URL (e.g. postgresql+psycopg://user:password@host/lms)"),
    ("LMS_FEED_RECHECK_SECONDS", "nan", "LMS_FEED_RECHECK_SECONDS='nan': not a number"),
    ("LMS_RETENTION_AUDIT_DAYS", "0", "LMS_RETENTION_AUDIT_DAYS='0': a retention period must be at least 1 day, not 0"),
    ("LMS_LOG_FORMAT", "xml", "LMS_LOG_FORMAT='xml': must be one of text, json"),
    ("LMS_MAX_UPLOAD_MB", "-5", "LMS_MAX_UPLOAD_MB='-5': must be between 1 and 1024"),
])
def test_each_mistake_is_named_in_one_line(variable, value, problem):
    with pytest.raises(ConfigError) as raised:
        from_environment({variable: value})
    assert raised.value.problems == [problem]


def test_all_mistakes_come_at_once_and_a_secret_value_is_never_repeated():
    with pytest.raises(ConfigError) as raised:
        from_environment({"LMS_MAIL_PORT": "x", "LMS_DATABASE_URL": "geheim-kein-url", "LMS_PROXYHOPS": "1",
                          "LMS_INSTANCE_PATH": "/srv/lms", "LMS_TEST_DATABASE_URL": "anything", "OTHER": "x"})
    assert raised.value.problems == [
        "LMS_DATABASE_URL: not a database URL (e.g. postgresql+psycopg://user:password@host/lms)",
        "LMS_MAIL_PORT='x': not a whole number",
        "LMS_PROXYHOPS: unknown setting (did you mean LMS_PROXY_HOPS?)",
    ]
    assert "geheim" not in str(raised.value)


def test_well_formed_values_are_typed():
    assert from_environment({
        "LMS_MAIL_USE_SSL": "off", "LMS_ACCOUNT_SELF_ERASURE": "Yes", "LMS_FEED_RECHECK_SECONDS": "0.5",
        "LMS_BASE_URL": "https://lms.example.org/", "LMS_REPORT_FIGURES": "meetings, offerings",
        "LMS_MAIL_SERVER": "", "LMS_PROXY_HOPS": " 2 ",
    }) == {
        "MAIL_USE_SSL": False, "ACCOUNT_SELF_ERASURE": True, "FEED_RECHECK_SECONDS": 0.5,
        "BASE_URL": "https://lms.example.org", "REPORT_FIGURES": ("meetings", "offerings"), "PROXY_HOPS": 2,
    }


def test_every_setting_names_a_config_key_and_no_name_is_both():
    from lms.config import Config

    assert all(hasattr(Config, setting.key) for setting in SETTINGS.values())
    assert not set(SETTINGS) & set(OTHER_VARIABLES)


def test_the_readme_documents_every_variable():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in [*SETTINGS, "INSTANCE_PATH"] if f"`LMS_{name}`" not in readme]
    assert missing == []


def test_lms_stops_with_one_line_per_mistake(tmp_path):
    result = subprocess.run(
        [LMS, "check-config"], capture_output=True, text=True, timeout=60,
        env=_environment(tmp_path, LMS_DATABSE_URL="postgresql+psycopg://u:p@db/lms", LMS_MAIL_PORT="abc"),
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "lms: configuration: LMS_DATABSE_URL: unknown setting (did you mean LMS_DATABASE_URL?)",
        "lms: configuration: LMS_MAIL_PORT='abc': not a whole number",
    ]
    assert result.stdout == ""
    assert not (tmp_path / "instance" / "lms.sqlite").exists()  # it stopped before choosing SQLite


def test_a_rule_of_a_package_stops_the_same_way(tmp_path):
    result = subprocess.run([LMS, "scheduler"], capture_output=True, text=True, timeout=60,
                            env=_environment(tmp_path, LMS_MIN_GROUP_SIZE="2"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["lms: configuration: LMS_MIN_GROUP_SIZE: must be between 3 and 100, not 2"]


def test_check_config_prints_the_effective_settings_with_secrets_masked(tmp_path):
    result = subprocess.run(
        [LMS, "check-config"], capture_output=True, text=True, timeout=60, check=True,
        env=_environment(tmp_path, LMS_DATABASE_URL="postgresql+psycopg://lms:pg-geheim@db.example.org/lms",
                         LMS_SECRET_KEY="sk-geheim", LMS_MAIL_PASSWORD="smtp-geheim", LMS_MAX_UPLOAD_MB="7",
                         LMS_RATELIMIT_STORAGE_URI="redis://:redis-geheim@cache:6379", LMS_MAIL_USE_TLS="1"),
    )
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines()[:-1])
    assert "geheim" not in result.stdout + result.stderr
    assert lines["LMS_DATABASE_URL"] == "postgresql+psycopg://lms:***@db.example.org/lms"
    assert lines["LMS_RATELIMIT_STORAGE_URI"] == "redis://:***@cache:6379"
    assert lines["LMS_SECRET_KEY"] == lines["LMS_MAIL_PASSWORD"] == "***"
    assert lines["LMS_CASE_KEY"] == "(unset)"
    assert lines["LMS_MAX_UPLOAD_MB"] == "7" and lines["LMS_MAIL_USE_TLS"] == "true"
    assert lines["LMS_INSTANCE_PATH"] == str(tmp_path / "instance")
    assert set(lines) == {f"LMS_{name}" for name in [*SETTINGS, "INSTANCE_PATH"]}
    assert result.stdout.splitlines()[-1] == "Die Einstellungen sind gültig."


def test_gunicorn_stops_instead_of_restarting_workers(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = subprocess.run(
        [Path(sys.executable).with_name("gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "lms.wsgi:app"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env=_environment(tmp_path, LMS_MAIL_USE_SSL="ja"),
    )
    assert result.returncode != 0
    problems = [line for line in result.stderr.splitlines() if line.startswith("lms: ")]
    assert problems and set(problems) == {"lms: configuration: LMS_MAIL_USE_SSL='ja': not a yes/no value (true or false)"}
    assert "Worker failed to boot" in result.stderr
    assert "ConfigError" not in result.stderr and "lms/" not in result.stderr  # gunicorn's own halt may trace
