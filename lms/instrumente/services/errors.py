"""What the instrument rules refuse with when someone else acted first: the Conflict texts and the
conditional update (`_move`) that raises them.

Shared by review, proposals and their rework, so it sits below all of them.
"""
from sqlalchemy import update

from lms.errors import Conflict
from lms.extensions import db
from lms.i18n import _l


def _move(model, id_: int, *conditions, message, **values) -> None:
    """Change one row only if it still meets *conditions*, in one statement: of two people acting on
    the same state at once, exactly one gets through; the other gets a Conflict with *message*."""
    moved = db.session.execute(
        update(model).where(model.id == id_, *conditions).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not moved:
        raise Conflict(message)


DECIDED_MEANWHILE = _l("Jemand hat das inzwischen entschieden oder geändert. Ihre Entscheidung wurde nicht "
                       "gespeichert. Bitte prüfen Sie den aktuellen Stand.")


CHANGED_MEANWHILE = _l("Die neue Fassung wurde inzwischen entschieden oder verworfen. Ihre Änderung wurde nicht "
                       "gespeichert. Bitte prüfen Sie den aktuellen Stand.")


PROPOSED_MEANWHILE = _l("Von diesem Instrument wurde inzwischen eine neue Fassung angelegt oder freigegeben. Ihre "
                        "Änderung wurde nicht gespeichert. Bitte prüfen Sie den aktuellen Stand.")
