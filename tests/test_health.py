"""Liveness, readiness and metrics (lms/health.py, lms/metrics.py): /healthz only says the process
answers, /readyz turns 503 for each failing dependency and names it, /metrics is off until a token
or an address list admits a scraper."""
import os
from datetime import timedelta

import pytest

from lms import create_app, leadership
from lms.extensions import db
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.scheduler import Job, run_job
from tests.conftest import FIXED_NOW, make_config
from tests.test_ratelimit import UNREACHABLE_REDIS

TOKEN = "metrics-token-for-tests"


def _scheduler_ran(seconds_ago: float = 10) -> None:
    """The leader's heartbeat *seconds_ago*."""
    renewed = FIXED_NOW - timedelta(seconds=seconds_ago)
    assert leadership.acquire("host:1:abc", seconds=8, now=renewed)


def _mail(minutes_ago: float, status=OutboxStatus.PENDING) -> None:
    queued = FIXED_NOW - timedelta(minutes=minutes_ago)
    db.session.add(OutboxMessage(recipient="a@example.org", subject="s", body="b", status=status,
                                 created_at=queued, not_before=queued))
    db.session.commit()


def _ready(client, query=""):
    response = client.get(f"/readyz{query}")
    body = response.get_json()
    return response.status_code, body["status"], {name: check["status"] for name, check in body["checks"].items()}


def test_healthz_says_only_that_the_process_answers(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path}/missing/dir/lms.sqlite"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_200_when_every_dependency_answers(client):
    _scheduler_ran()
    _mail(minutes_ago=5)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {
        "database": {"status": "ok"}, "storage": {"status": "ok"}, "ratelimit": {"status": "ok"},
        "scheduler": {"status": "ok", "age_seconds": 10},
        "outbox": {"status": "ok", "backlog": 1, "oldest_age_seconds": 300},
    }}


def test_readyz_is_503_without_the_database(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path}/missing/dir/lms.sqlite"))
    status, overall, checks = _ready(app.test_client())
    assert (status, overall) == (503, "not ready")
    assert checks["database"] == "unreachable" and checks["scheduler"] == checks["outbox"] == "unknown"


def test_readyz_is_503_when_the_file_storage_cannot_be_written(app, client, tmp_path):
    _scheduler_ran()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    app.config["FILE_STORAGE_DIR"] = str(blocked)
    status, _, checks = _ready(client)
    assert status == 503 and checks == {"database": "ok", "storage": "failing", "ratelimit": "ok",
                                        "scheduler": "ok", "outbox": "ok"}


@pytest.mark.parametrize("app_config", [UNREACHABLE_REDIS])
def test_readyz_is_503_when_the_throttle_store_is_unreachable(client):
    _scheduler_ran()
    status, _, checks = _ready(client)
    assert status == 503 and checks["ratelimit"] == "unreachable" and checks["database"] == "ok"


def test_readyz_is_503_when_the_scheduler_never_ran_or_went_quiet(client):
    assert _ready(client)[0] == 503 and _ready(client)[2]["scheduler"] == "never ran"
    _scheduler_ran(seconds_ago=60)
    assert _ready(client)[0] == 200
    _scheduler_ran(seconds_ago=61)
    status, _, checks = _ready(client)
    assert status == 503 and checks["scheduler"] == "stale"


def test_readyz_is_503_when_mail_waits_too_long(client):
    _scheduler_ran()
    _mail(minutes_ago=600, status=OutboxStatus.SENT)  # delivered mail is no backlog
    _mail(minutes_ago=60)
    assert _ready(client)[0] == 200
    _mail(minutes_ago=61)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["outbox"] == {"status": "backlog", "backlog": 2, "oldest_age_seconds": 3660}


def test_readyz_asks_only_the_named_checks(client):
    assert _ready(client, "?check=database&check=storage") == (200, "ready", {"database": "ok", "storage": "ok"})
    assert client.get("/readyz?check=database&check=nothing").status_code == 404


def _scrape(client, **headers):
    return client.get("/metrics", headers=headers)


def test_metrics_are_off_unless_configured(client):
    assert _scrape(client).status_code == 404


@pytest.mark.parametrize("app_config", [{"METRICS_TOKEN": TOKEN}])
def test_metrics_need_the_token(client):
    assert _scrape(client).status_code == 403
    assert _scrape(client, Authorization="Bearer wrong").status_code == 403
    response = _scrape(client, Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("allowed", "status"), [("127.0.0.0/8", 200), ("10.0.0.0/8,::1", 403)])
def test_metrics_admit_listed_addresses(app, client, allowed, status):
    from lms.config import SETTINGS

    app.config["METRICS_ALLOW"] = SETTINGS["METRICS_ALLOW"].convert(allowed)
    assert _scrape(client).status_code == status  # the test client comes from 127.0.0.1


def _value(text: str, prefix: str) -> float:
    lines = [line for line in text.splitlines() if line.startswith(prefix + " ")]
    assert len(lines) == 1, (prefix, lines)
    return float(lines[0].rsplit(" ", 1)[1])


@pytest.mark.parametrize("app_config", [{"METRICS_TOKEN": TOKEN}])
def test_metrics_count_requests_backlog_and_jobs(app, client):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = _scrape(client, **auth).get_data(as_text=True)
    requests = 'lms_http_requests_total{endpoint="auth.login",method="GET",status="200"}'
    count = _value(before, requests) if requests + " " in before else 0.0
    for _ in range(3):
        client.get("/anmelden")
    client.get("/kalender/geheimes-token-123.ics")
    _mail(minutes_ago=2)

    def broken(*, now):
        raise RuntimeError("fails")

    run_job(app, Job("deliver_outbox", broken, "OUTBOX_INTERVAL_SECONDS"))
    run_job(app, Job("deliver_outbox", lambda *, now: 0, "OUTBOX_INTERVAL_SECONDS"))
    after = _scrape(client, **auth).get_data(as_text=True)
    assert _value(after, requests) == count + 3
    assert 'lms_http_request_duration_seconds_count{endpoint="auth.login"}' in after
    assert _value(after, "lms_outbox_backlog") == 1
    assert _value(after, "lms_outbox_oldest_age_seconds") == 120
    assert _value(after, 'lms_job_runs_total{job="deliver_outbox"}') == 2
    assert _value(after, 'lms_job_failures_total{job="deliver_outbox"}') == 1
    assert "geheimes-token" not in after  # labels are endpoint names, never addresses


def test_metrics_of_several_gunicorn_workers_add_up_in_every_scrape(tmp_path):
    """prometheus-client's multiprocess mode: whichever worker answers the scrape, it counts the
    requests of all of them."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from tests.conftest import free_port

    shared, port = tmp_path / "prometheus", free_port()
    shared.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_DATABASE_URL=f"sqlite:///{tmp_path}/lms.sqlite",
               LMS_METRICS_TOKEN="scrape-token", PROMETHEUS_MULTIPROC_DIR=str(shared))
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "lms", "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    server = subprocess.Popen([bin_dir / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "lms.wsgi:app"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        before = healthz_count(base)  # the start's probes: one, or more if one timed out on a busy machine
        for _ in range(20):
            urllib.request.urlopen(base + "/healthz", timeout=5).close()
        # A request left half-sent holds one (sync) worker, so the next ones go to the other.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as held:
            held.sendall(b"GET /healthz HTTP/1.1\r\nHost: lms.test\r\n")
            time.sleep(0.5)
            for _ in range(18):
                urllib.request.urlopen(base + "/healthz", timeout=5).close()
            held.sendall(b"Connection: close\r\n\r\n")
            assert held.recv(100).startswith(b"HTTP/1.1 200")
        answered_by = {path.name for path in shared.glob("counter_*.db")}
        counts = {healthz_count(base) for _ in range(6)}
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert len(answered_by) == 2  # both workers answered requests
    assert before >= 1 and counts == {before + 39}  # 20, 18 and the held one, whichever worker answers


def healthz_count(base: str) -> float:
    """How many /healthz requests the scrape counts, over all workers."""
    import urllib.request

    request = urllib.request.Request(base + "/metrics", headers={"Authorization": "Bearer scrape-token"})
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read().decode()
    line = next(line for line in text.splitlines()
                if line.startswith("lms_http_requests_total{") and 'endpoint="health.healthz"' in line)
    return float(line.rsplit(" ", 1)[-1])
