"""Double clicks arriving in parallel change nothing twice and answer no 500."""
import threading

from sqlalchemy import func, select

from lms.auth.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.instrumente import services
from lms.instrumente.models import Bookmark, Instrument


def test_parallel_bookmarks_of_one_instrument_keep_one_entry(app, create_user, create_instrument):
    instrument, person = create_instrument(), create_user("partner")
    barrier, errors = threading.Barrier(8, timeout=60), []

    def bookmark():
        with app.app_context():
            barrier.wait()
            try:
                services.bookmark(db.session.get(User, person.id), db.session.get(Instrument, instrument.id),
                                  notify_by_mail=True, now=utcnow())
                db.session.commit()
            except Exception as error:  # reported below
                db.session.rollback()
                errors.append(repr(error))

    threads = [threading.Thread(target=bookmark) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 1
    assert db.session.scalar(select(Bookmark.notify_by_mail)) is True
