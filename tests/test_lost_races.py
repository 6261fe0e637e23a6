"""A request that loses a race on a database constraint gets a German 409 page, never a 500, and
saves nothing; the first poll of a feed by two calendars at once answers both."""
import threading

from sqlalchemy import func, select

from lms import create_app
from lms.auth.models import Region
from lms.extensions import db
from tests.conftest import make_config


def test_a_constraint_violation_is_a_409_that_saves_nothing(migrated_database):
    app = create_app(make_config(migrated_database))

    @app.post("/test-doppelt")
    def twice():
        db.session.add(Region(name="Zwickau", kind="district"))
        db.session.flush()
        db.session.add(Region(name="Zwickau", kind="district"))  # what a parallel request did first
        db.session.commit()
        return "saved"

    with app.app_context():
        response = app.test_client().post("/test-doppelt")
        assert response.status_code == 409
        assert "Gleichzeitige Änderung" in response.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(Region)) == 0


def test_parallel_first_polls_of_a_feed_are_all_answered(app):
    app.config["FEED_RECHECK_SECONDS"] = 0
    barrier, statuses = threading.Barrier(6, timeout=60), []

    def poll():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.get("/kalender/angebote.ics").status_code)

    threads = [threading.Thread(target=poll) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6
