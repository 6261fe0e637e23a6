"""Withdrawing and deleting an instrument ask first, saying what happens; only the confirmation acts.
(Discarding a new version: tests/instrumente/test_review.py.)"""
import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.instrumente import services
from lms.instrumente.models import Bookmark, Instrument, InstrumentState
from tests.conftest import login_as

CONFIRMED = {"bestaetigt": "1"}


def _state(instrument_id: int) -> str | None:
    db.session.expire_all()
    instrument = db.session.get(Instrument, instrument_id)
    return instrument.state if instrument else None


def test_withdrawing_shows_the_reason_and_what_happens_first(client, create_instrument, editor):
    instrument = create_instrument(title="Rollenklärungsmatrix")
    login_as(client, editor)
    url = f"/instrumente/{instrument.id}/zurueckziehen"
    asked = client.post(url, data={"reason": "Durch Version 2025 ersetzt."})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Wirklich das Instrument zurückziehen?" in page
    assert "verschwindet aus der Sammlung und der Suche" in page and "Durch Version 2025 ersetzt." in page
    assert "Sie können es später wieder veröffentlichen." in page
    assert _state(instrument.id) == InstrumentState.PUBLISHED
    assert client.post(url, data={"reason": "Durch Version 2025 ersetzt.", **CONFIRMED}).status_code == 302
    assert _state(instrument.id) == InstrumentState.WITHDRAWN


def test_deleting_names_the_bookmarks_it_removes_and_asks_first(client, create_user, create_instrument):
    instrument = create_instrument()
    services.bookmark(create_user("partner"), instrument, notify_by_mail=False, now=instrument.created_at)
    db.session.commit()
    login_as(client, create_user("admin"))
    url = f"/instrumente/{instrument.id}/loeschen"
    page = client.post(url).get_data(as_text=True)
    assert "Wirklich das Instrument endgültig löschen?" in page and "Es verschwindet von 1 Merkliste." in page
    assert "Das lässt sich nicht rückgängig machen." in page
    assert _state(instrument.id) == InstrumentState.PUBLISHED
    assert client.post(url, data=CONFIRMED).status_code == 302
    assert _state(instrument.id) is None
    assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 0


@pytest.mark.parametrize("role", ["trainer", "coordinator", "partner"])
def test_only_admins_delete_at_either_step(client, create_user, create_instrument, role):
    instrument = create_instrument()
    login_as(client, create_user(role))
    for data in ({}, CONFIRMED):
        assert client.post(f"/instrumente/{instrument.id}/loeschen", data=data).status_code == 403
    assert _state(instrument.id) == InstrumentState.PUBLISHED
