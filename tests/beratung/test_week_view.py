"""The expert's week view opens where the free slots are, and a move never offers the booking's own time."""
import re
from datetime import timedelta

import pytest

from lms.beratung import services
from lms.beratung.services import BookingInput, CaseInput
from lms.db import utcnow
from lms.errors import Conflict
from lms.extensions import db
from lms.ical import BERLIN
from tests.beratung.test_views import offer  # noqa: F401 - the page tests' expert factory
from tests.conftest import login_as


def _monday_shown(page: str) -> str:
    return re.search(r"Freie Termine in der Woche ab (\d\d\.\d\d\.\d{4})", page).group(1)


def test_the_week_view_opens_on_the_first_week_with_a_free_slot(client, create_user, offer):
    profile = offer(notice_minutes=16 * 24 * 60)  # nothing can be booked in the next 16 days
    login_as(client, create_user("partner"))
    page = client.get(f"/beratung/fachkraefte/{profile.user_id}").get_data(as_text=True)
    first = services.next_free_slots(profile, now=utcnow())[0].day
    monday = first - timedelta(days=first.weekday())
    assert _monday_shown(page) == monday.strftime("%d.%m.%Y")
    today = utcnow().astimezone(BERLIN).date()
    asked = client.get(f"/beratung/fachkraefte/{profile.user_id}?woche={today.isoformat()}").get_data(as_text=True)
    assert _monday_shown(asked) == (today - timedelta(days=today.weekday())).strftime("%d.%m.%Y")  # as asked


def test_a_move_is_not_offered_its_own_time_and_the_service_refuses_it(client, create_user, offer):
    profile = offer(weekdays=(0, 1, 2, 3, 4))
    booker = create_user("partner")
    slot = services.next_free_slots(profile, now=utcnow())[0]
    booking = services.book(booker, profile, BookingInput(
        starts_at=slot.starts_at, type_code="process_consult", format="video",
        case=CaseInput(age_band="", concern="", setting="", urgency="", vignette="")), now=utcnow())
    db.session.commit()
    login_as(client, booker)
    page = client.get(f"/beratung/fachkraefte/{profile.user_id}?verschieben={booking.id}").get_data(as_text=True)
    other = services.next_free_slots(profile, now=utcnow())[0]
    assert other.starts_at.isoformat() in page  # free slots are offered as the page writes them
    assert slot.starts_at.isoformat() not in page  # the booking's own is not
    with pytest.raises(Conflict, match="bereits zu dieser Zeit"):
        services.reschedule(booker, booking, slot.starts_at, now=utcnow())
