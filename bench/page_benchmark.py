"""What do the HTML pages cost at Land scale? Run by hand, not in CI:

    .venv/bin/pip install -e '.[server]'
    .venv/bin/python bench/page_benchmark.py                       # SQLite in a temporary folder
    LMS_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/page_benchmark.py   # empties that database
    BENCH_SCALE=10 .venv/bin/python bench/page_benchmark.py --service-time-only

It seeds a Land-sized data set (times BENCH_SCALE): 3,000 published modules, 10,000 open offerings
with 1-3 dates each, 20,000 people (one signed-in person of each role) and 100,000 enrolments, and
the starter competence framework with its target levels, serves the app with gunicorn (2 sync
workers) on loopback and beside it a bare Flask route that returns the catalogue's bytes, and
prints for each page its requests per second with 8 clients, p50/p99 latency, the ratio to the
bare route, and its service time at concurrency 1 (p50/p95). Targets (#22): every page >= 0.1x the
bare route, the start page >= 0.25x, p95 service time <= 20 ms, 10x data within 1.2x the cost.
The load comes from threads of this process, so on 2 cores it shares the machine with the servers;
the bare route pays the same, which is why the ratio is the figure to read.
"""
import http.client
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving import served  # noqa: E402 - bench/serving.py, beside this script

SCALE = int(os.environ.get("BENCH_SCALE", 1))
REQUESTS, CLIENTS, SERVICE_SAMPLES = int(os.environ.get("BENCH_REQUESTS", 400)), 8, 60
PASSWORD = "Bench-Passwort-1"
COORDINATOR, PARTNER, TRAINER = "koordination@bench.example", "partner@bench.example", "referentin@bench.example"
ADMIN, EXPERT = "admin@bench.example", "fachkraft@bench.example"
WORDS = ("Kinderschutz Netzwerk Kooperation Gefährdung Einschätzung Fallberatung Frühe Hilfen Schule Kita "
         "Gesundheit Polizei Justiz Jugendamt Verfahren Schutzauftrag Elternarbeit Gesprächsführung Moderation "
         "Helferkonferenz Datenschutz Dokumentation Qualität Methoden Praxis Grundlagen Vertiefung Recht "
         "Kommunikation Beteiligung Prävention Krisen Intervention Supervision Reflexion Haltung").split()
SECTORS = ["youth_welfare", "counselling", "health", "education", "police", "justice", "disability", "early_support"]


def seed(rng: random.Random, scale: int) -> dict:
    """The data set, inserted in bulk; returns ids the pages need."""
    from sqlalchemy import insert, text

    from lms.auth.models import Region, User, UserRole
    from lms.auth.services import hash_password
    from lms.extensions import db
    from lms.kompetenzen import services as competence_services
    from lms.module.models import Enrolment, Module, ModuleAudience, Offering, OfferingDate
    from lms.module.models.modules import module_trainer
    from lms.module.models.offerings import offering_trainer
    from lms.textsearch import term_line

    now = datetime.now(UTC)
    people, modules_count, offerings_count, enrolments_count = 20_000 * scale, 3_000 * scale, 10_000 * scale, 100_000 * scale
    regions = [dict(id=n, name=f"Landkreis {n:02d}", kind="district") for n in range(1, 14)]
    password = hash_password(PASSWORD)
    users, roles = [], []
    for number in range(1, people + 1):
        role = "coordinator" if number % 10 == 0 else "trainer" if number % 50 == 1 else "partner"
        email = {1: COORDINATOR, 2: PARTNER, 51: TRAINER, 30: ADMIN, 31: EXPERT}.get(number, f"person{number}@bench.example")
        role = {1: "coordinator", 2: "partner", 30: "admin", 31: "expert"}.get(number, role)
        users.append(dict(id=number, email=email, name=f"Person {number:06d}", password_hash=password, active=True,
                          region_id=number % 13 + 1, sector=rng.choice(SECTORS) if role == "partner" else None,
                          session_stamp=f"{number:032d}", created_at=now))
        roles.append(dict(user_id=number, role=role, from_directory=False))
    trainers = [row["user_id"] for row in roles if row["role"] == "trainer"]
    modules, audiences, module_trainers = [], [], []
    for number in range(1, modules_count + 1):
        title = " ".join(rng.sample(WORDS, 4))
        summary = " ".join(rng.choices(WORDS, k=25))
        description = " ".join(rng.choices(WORDS, k=120))
        modules.append(dict(id=number, code=f"M-{number:05d}", title=title, summary=summary, description=description,
                            learning_goals="\n".join(rng.choices(WORDS, k=5)), search_title=term_line(f"M-{number:05d} {title}"),
                            search_body=term_line(f"{summary} {description}"), dimension=rng.choice(["internal", "performance"]),
                            teaching_units=rng.choice([4, 8, 16]), required_attendance=100, state="published",
                            created_at=now, updated_at=now))
        audiences += [dict(module_id=number, code=code)
                      for code in rng.sample(["coordinator", "expert", *SECTORS], rng.randint(1, 3))]
        module_trainers += [dict(module_id=number, user_id=user) for user in set(rng.sample(trainers, 2))]
    if {"module_id": 1, "user_id": 51} not in module_trainers:  # the bench trainer teaches offering 1's module
        module_trainers.append({"module_id": 1, "user_id": 51})
    offerings, dates, offering_trainers = [], [], [{"offering_id": 1, "user_id": 51}]
    for number in range(1, offerings_count + 1):
        first = (now + timedelta(days=rng.randint(2, 300))).replace(hour=8, minute=0, second=0, microsecond=0)
        count = rng.randint(1, 3)
        starts = [first + timedelta(weeks=week) for week in range(count)]
        offerings.append(dict(id=number, module_id=1 if number == 1 else rng.randint(1, modules_count),
                              region_id=None if number % 10 == 0 else rng.randint(1, 13), capacity=20, seats_taken=0,
                              registration_deadline=first - timedelta(days=1), registration_closed=False,
                              moderated=False, state="open", note="", first_starts_at=first,
                              last_ends_at=starts[-1] + timedelta(hours=7), created_at=now, updated_at=now))
        if number > 1:
            offering_trainers.append({"offering_id": number, "user_id": rng.choice(trainers)})
        dates += [dict(offering_id=number, starts_at=start, ends_at=start + timedelta(hours=7),
                       location="Landratsamt, Saal 2", online_url="", sequence=0, updated_at=now) for start in starts]
    enrolments, seen = [], set()
    taken = dict.fromkeys(range(1, offerings_count + 1), 0)

    def enrol(offering: int, user: int) -> None:
        if (offering, user) in seen:
            return
        seen.add((offering, user))
        status = "enrolled" if taken[offering] < 20 else "waitlisted"
        taken[offering] += status == "enrolled"
        enrolments.append(dict(offering_id=offering, user_id=user, status=status,
                               queued_at=now - timedelta(minutes=len(enrolments)), created_at=now, updated_at=now))

    for user in range(3, 23):  # offering 1 is full, with a waiting list
        enrol(1, user)
    for offering in rng.sample(range(2, offerings_count + 1), 40):  # "Mein Lernen" with 40 enrolments
        enrol(offering, 1)
    while len(enrolments) < enrolments_count:
        enrol(rng.randint(2, offerings_count), rng.randint(3, people))
    for row in offerings:
        row["seats_taken"] = taken[row["id"]]
    for table, rows in ((Region, regions), (User, users), (UserRole, roles), (Module, modules),
                        (ModuleAudience, audiences), (module_trainer, module_trainers), (Offering, offerings),
                        (offering_trainer, offering_trainers), (OfferingDate, dates), (Enrolment, enrolments)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start:start + 5000])
    competence_services.seed_framework(now=now)  # the starter framework with its target levels
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("region", "user", "module", "offering", "offering_date", "enrolment"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                    f"(SELECT max(id) FROM \"{table}\"))"))
        db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"))
    return {"module": 1, "offering": 2, "full_offering": 1}


BARE_APP = '''
import os
from flask import Flask, Response
body = open(os.environ["BENCH_BODY"], "rb").read()
app = Flask(__name__)

@app.get("/")
def page():
    return Response(body, content_type="text/html; charset=utf-8")
'''


def sign_in(port: int, email: str) -> str:
    """The session cookie of *email*, signed in through the form as a browser would."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/anmelden")
    response = connection.getresponse()
    page, cookie = response.read().decode(), response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    from urllib.parse import urlencode

    connection.request("POST", "/anmelden", body=urlencode({"csrf_token": token, "email": email, "password": PASSWORD}),
                       headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    assert response.status == 302, f"sign-in of {email} answered {response.status}"
    return response.getheader("Set-Cookie").split(";")[0]


def fetch(port: int, path: str, cookie: str | None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    return response.status, response.read()


def load(port: int, path: str, cookie: str | None, clients: int, requests: int) -> tuple[float, list[float]]:
    """Requests per second and the latencies (ms) of *requests* GETs by *clients* threads."""
    latencies, errors, per_client = [], [], max(1, requests // clients)

    def run():
        for _ in range(per_client):
            begin = time.perf_counter()
            status, _body = fetch(port, path, cookie)
            latencies.append((time.perf_counter() - begin) * 1000)
            if status != 200:
                errors.append(status)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{path}: unexpected statuses {sorted(set(errors))}")
    return len(latencies) / (time.perf_counter() - started), sorted(latencies)


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))]


def pages(ids: dict) -> list[tuple[str, str | None]]:
    """(path, who): None is a visitor who is not signed in."""
    return [
        ("/", COORDINATOR), ("/", PARTNER), ("/", TRAINER), ("/", ADMIN), ("/", EXPERT), ("/", None),
        ("/instrumente", None), ("/instrumente?q=Kooperation", None), ("/kompetenzen", COORDINATOR),
        ("/kompetenzen/uebersicht", ADMIN),
        (f"/qualifizierung/angebote/{ids['offering']}", COORDINATOR), (f"/qualifizierung/module/{ids['module']}", None),
        ("/qualifizierung?q=Netzwerk", None), ("/qualifizierung", None),
        ("/qualifizierung?dimension=internal&frei=1", None), ("/mein-lernen", COORDINATOR),
        (f"/qualifizierung/verwaltung/angebote/{ids['full_offering']}/teilnehmende", TRAINER),
        (f"/qualifizierung/verwaltung/module/{ids['module']}", ADMIN),  # the forms choose among thousands
        (f"/qualifizierung/verwaltung/angebote/{ids['offering']}", ADMIN),
    ]


def main() -> None:
    service_only = "--service-time-only" in sys.argv
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("LMS_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
        import flask_migrate

        from lms import create_app
        from lms.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
        with app.app_context():
            flask_migrate.downgrade(revision="base") if os.environ.get("LMS_DATABASE_URL") else None
            flask_migrate.upgrade()
            started = time.perf_counter()
            ids = seed(random.Random(22), SCALE)
            print(f"{db.engine.dialect.name}, data x{SCALE}: seeded in {time.perf_counter() - started:.0f} s")
            db.session.remove()
            db.engine.dispose()
        env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": "bench", "LMS_INSTANCE_PATH": folder,
               "LMS_LOG_REQUESTS": "false", "LMS_BASE_URL": "http://127.0.0.1:8721"}
        results = []
        with served("lms.wsgi:app", 8721, env, str(ROOT)):
            cookies = {who: sign_in(8721, who) for who in (COORDINATOR, PARTNER, TRAINER, ADMIN, EXPERT)} | {None: None}
            status, catalogue = fetch(8721, "/qualifizierung", None)
            assert status == 200
            (Path(folder) / "body.html").write_bytes(catalogue)
            for path, who in pages(ids):
                status, body = fetch(8721, path, cookies[who])  # warm: templates, caches
                assert status == 200, f"{path} as {who}: {status}"
                service = [load(8721, path, cookies[who], 1, 1)[1][0] for _ in range(SERVICE_SAMPLES)]
                rate, latencies = (0.0, [0.0]) if service_only else load(8721, path, cookies[who], CLIENTS, REQUESTS)
                results.append((path, who, len(body), rate, latencies, sorted(service)))
        bare_rate = 0.0
        if not service_only:
            (Path(folder) / "bare_app.py").write_text(BARE_APP)
            with served("bare_app:app", 8722, {"BENCH_BODY": str(Path(folder) / "body.html")}, folder):
                bare_rate, _ = load(8722, "/", None, CLIENTS, REQUESTS * 4)
    print(f"gunicorn -w 2, {CLIENTS} clients; bare route with the catalogue's {len(catalogue) / 1024:.0f} KiB: "
          f"{bare_rate:.0f} req/s")
    print(f"{'page':<52} {'who':<12} {'KiB':>4} {'req/s':>7} {'p50':>6} {'p99':>6} {'ratio':>6} "
          f"{'svc p50':>8} {'svc p95':>8}")
    for path, who, size, rate, latencies, service in results:
        ratio = rate / bare_rate if bare_rate else 0
        print(f"{path:<52} {(who or 'visitor').split('@')[0]:<12} {size / 1024:4.0f} {rate:7.0f} "
              f"{statistics.median(latencies):6.1f} {percentile(latencies, 0.99):6.1f} {ratio:6.3f} "
              f"{statistics.median(service):8.1f} {percentile(service, 0.95):8.1f}")


if __name__ == "__main__":
    main()
