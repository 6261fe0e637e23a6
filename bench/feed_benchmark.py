"""How cheap is it to re-serve a calendar feed? Run by hand, not in CI:

    .venv/bin/pip install -e '.[server]'
    .venv/bin/python bench/feed_benchmark.py

It builds a schedule of 500 offering dates in a temporary SQLite database, serves the app with
gunicorn on loopback, and beside it a bare Flask route that returns the same bytes (with the same
conditional-GET handling) from memory. It prints, for the public feed of all offerings:

- 304 throughput (If-None-Match) of the app against the bare route (target >= 0.8x),
- cached full-feed throughput against the bare route (target >= 0.5x),
  both also with the poll memory switched off (LMS_FEED_RECHECK_SECONDS=0), which is what a feed
  polled by a single calendar (a private one) gets: its polls are minutes apart,
- the rebuild time of the 500-event feed (queries and all) against icalendar's own serialization of
  the same events (target <= 1.3x).
"""
import http.client
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving import served  # noqa: E402 - bench/serving.py, beside this script

REQUESTS, CLIENTS = int(os.environ.get("BENCH_REQUESTS", 3000)), 8


def seed(url: str) -> bytes:
    import flask_migrate

    from lms import create_app
    from lms.auth.services import create_user
    from lms.extensions import db
    from lms.module import services
    from lms.module.services import DateInput, ModuleInput, OfferingInput

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})
    now = datetime.now(UTC)
    with app.app_context():
        flask_migrate.upgrade()
        trainer = create_user(email="t@example.org", name="T", roles=["trainer"], password="x" * 12, now=now)
        for number in range(100):
            module = services.create_module(trainer, ModuleInput(
                title=f"Modul {number}", summary="Beschreibung mit Umlauten: äöü", description="", learning_goals="",
                dimension="internal", teaching_units=8, required_attendance=100, audiences=["coordinator"],
                prerequisite_ids=[], trainer_ids=[trainer.id]), now=now)
            services.set_module_state(trainer, module, "published", now=now)
            start = now + timedelta(days=30 + number)
            services.create_offering(trainer, module, OfferingInput(
                capacity=20, registration_deadline=start - timedelta(days=7), region_id=None, moderated=False,
                trainer_ids=[], dates=[DateInput(starts_at=start + timedelta(days=7 * i),
                                                 ends_at=start + timedelta(days=7 * i, hours=3), location="Rathaus")
                                       for i in range(5)]), open_registration=True, now=now)
        db.session.commit()
        return app.test_client().get("/kalender/angebote.ics").data


BARE_APP = '''
import os
from flask import Flask, Response, request
body = open(os.environ["BENCH_BODY"], "rb").read()
etag = os.environ["BENCH_ETAG"]
app = Flask(__name__)

@app.get("/kalender/angebote.ics")
def feed():
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if request.if_none_match.contains(etag.strip('"')):
        return Response(status=304, headers=headers)
    return Response(body, headers=headers, content_type="text/calendar; charset=utf-8")
'''


def throughput(port: int, headers: dict, expect: int) -> float:
    per_client = REQUESTS // CLIENTS
    errors = []

    def run():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(per_client):
            connection.request("GET", "/kalender/angebote.ics", headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != expect:
                errors.append(response.status)

    threads = [threading.Thread(target=run) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"unexpected statuses: {set(errors)}")
    return per_client * CLIENTS / elapsed


def rebuild_ratio(url: str) -> tuple[float, float]:
    from icalendar import Calendar

    from lms import create_app
    from lms.db import utcnow
    from lms.extensions import db
    from lms.kalender import services
    from lms.kalender.models import FeedCache

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.test_request_context():
        rebuild, serialize = [], []
        for _ in range(7):
            db.session.query(FeedCache).delete()
            db.session.commit()
            app.extensions.pop("lms.feed_bodies", None)  # and this process's copies: build for real
            begin = time.perf_counter()
            feed = services.public_feed("all", now=utcnow())
            version, changed = services.stamp(feed)
            body = services.feed_body(feed, version=version, last_modified=changed, now=utcnow())
            rebuild.append(time.perf_counter() - begin)
            db.session.rollback()
            calendar = Calendar.from_ical(body)
            begin = time.perf_counter()
            calendar.to_ical()
            serialize.append(time.perf_counter() - begin)
        assert len(Calendar.from_ical(body).walk("VEVENT")) == 500
        return sorted(rebuild)[3], sorted(serialize)[3]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite"
        body = seed(url)
        (Path(folder) / "body.ics").write_bytes(body)
        (Path(folder) / "bare_app.py").write_text(BARE_APP)
        app_env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": "bench", "LMS_INSTANCE_PATH": folder}
        with served("lms:create_app()", 8711, app_env, str(ROOT)):
            connection = http.client.HTTPConnection("127.0.0.1", 8711)
            connection.request("GET", "/kalender/angebote.ics")
            response = connection.getresponse()
            etag = response.getheader("ETag")
            assert response.read() == body
            conditional = {"If-None-Match": etag}
            app_304, app_full = throughput(8711, conditional, 304), throughput(8711, {}, 200)
        with served("lms:create_app()", 8713, {**app_env, "LMS_FEED_RECHECK_SECONDS": "0"}, str(ROOT)):
            plain_304, plain_full = throughput(8713, conditional, 304), throughput(8713, {}, 200)
        with served("bare_app:app", 8712, {"BENCH_BODY": str(Path(folder) / "body.ics"), "BENCH_ETAG": etag}, folder):
            bare_304, bare_full = throughput(8712, conditional, 304), throughput(8712, {}, 200)
        rebuild, serialize = rebuild_ratio(url)
    print(f"feed of 500 events, {len(body) / 1024:.0f} KiB, {REQUESTS} requests, {CLIENTS} clients, gunicorn -w 2")
    for label, app_rate, plain_rate, bare_rate, target in (("304:      ", app_304, plain_304, bare_304, 0.8),
                                                           ("full feed:", app_full, plain_full, bare_full, 0.5)):
        print(f"  {label} app {app_rate:7.0f}/s   bare {bare_rate:7.0f}/s   ratio {app_rate / bare_rate:.2f} "
              f"(target >= {target}); without the poll memory {plain_rate:7.0f}/s, ratio {plain_rate / bare_rate:.2f}")
    print(f"  rebuild {rebuild * 1000:.1f} ms vs icalendar serialization {serialize * 1000:.1f} ms   "
          f"ratio {rebuild / serialize:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
