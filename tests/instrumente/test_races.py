"""Double clicks arriving in parallel change nothing twice and answer no 500."""
from sqlalchemy import func, select

from lms.auth.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.instrumente import services
from lms.instrumente.models import Bookmark, Instrument
from tests.conftest import in_parallel


def test_parallel_bookmarks_of_one_instrument_keep_one_entry(app, create_user, create_instrument):
    instrument, person = create_instrument(), create_user("partner")

    person_id, instrument_id = person.id, instrument.id  # read here: the threads must not touch this session

    def bookmark():
        services.bookmark(db.session.get(User, person_id), db.session.get(Instrument, instrument_id),
                          notify_by_mail=True, now=utcnow())

    errors = in_parallel(app, [bookmark] * 8)
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 1
    assert db.session.scalar(select(Bookmark.notify_by_mail)) is True
