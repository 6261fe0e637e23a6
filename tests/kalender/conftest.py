from datetime import time, timedelta

import pytest

from lms.beratung import services as beratung_services
from lms.beratung.services import BookingInput, CaseInput, ProfileInput, WindowInput
from lms.extensions import db
from lms.ical import BERLIN
from tests.conftest import FIXED_NOW
from tests.module.conftest import create_module, create_offering, trainer  # noqa: F401 - shared fixtures

# Case content that must never reach a calendar: the vignette carries a marker found nowhere else.
VIGNETTE = "Kind wirkt seit Wochen verschlossen, Merkmal QUOKKA-SPUR-4711 im Gespraech erwaehnt."
CASE = CaseInput(age_band="3-5", concern="neglect", setting="kita", urgency="soon", vignette=VIGNETTE)


@pytest.fixture
def create_expert(create_user):
    """An expert (role "expert") with a published profile and weekly windows 08:00–18:00 every day."""

    def _create(**user_kwargs):
        expert = create_user("expert", **user_kwargs)
        profile = beratung_services.save_profile(expert, expert, ProfileInput(
            introduction="", specialisations="", languages="Deutsch", place="Beratungsstelle, Raum 3", phone="",
            video_link="https://video.example.org/raum-7", auto_confirm=False, slot_minutes=60, buffer_minutes=15,
            notice_minutes=120, horizon_days=56, max_per_day=None, published=True,
            types=["case_consult_8b", "process_consult"], formats=["video", "in_person"]), now=FIXED_NOW)
        for weekday in range(7):
            beratung_services.add_window(expert, expert, WindowInput(start_time=time(8), end_time=time(18),
                                                                     weekday=weekday), now=FIXED_NOW)
        db.session.commit()
        return profile

    return _create


@pytest.fixture
def free_slots():
    """The free slots of a profile on the Berlin day *days* ahead of now."""

    def _slots(profile, days=7, now=FIXED_NOW):
        day = (now + timedelta(days=days)).astimezone(BERLIN).date()
        return beratung_services.free_slots(profile, first_day=day, last_day=day, now=now)

    return _slots


@pytest.fixture
def book(free_slots):
    """A case-related booking (type "case_consult_8b", the marked vignette) of the first free slot a week ahead."""

    def _book(booker, profile, *, days=7, type_code="case_consult_8b", format="video", now=FIXED_NOW):
        slot = free_slots(profile, days, now)[0]
        consultation = beratung_services.book(booker, profile, BookingInput(
            starts_at=slot.starts_at, type_code=type_code, format=format, case=CASE),
            now=now)
        db.session.commit()
        return consultation

    return _book
