"""Factories for expert consultations: an expert with a published profile and weekly windows,
bookers, bookings, and readers of the outbox and the audit log."""
import itertools
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from lms.beratung import services
from lms.beratung.models import CaseAccess, CaseContent, Consultation, ExpertProfile
from lms.beratung.services import BookingInput, CaseInput, ProfileInput, WindowInput
from lms.beratung.slots import berlin
from lms.extensions import db
from lms.ical import BERLIN
from lms.notifications.models import OutboxMessage
from tests.conftest import FIXED_NOW

EVERY_DAY = tuple(range(7))
MORNING = (time(9), time(12))
ALL_TYPES = ("case_consult_8b", "case_consult_kkg4", "reflection", "process_consult", "cooperation_clarify")
ALL_FORMATS = ("in_person", "phone", "video")
# A vignette without identifiers: no date, address, number or first name.
VIGNETTE = "Das Kind kommt seit einigen Wochen ohne Frühstück und wirkt erschöpft und still."
CASE = CaseInput(age_band="6-9", concern="neglect", setting="kita", urgency="soon", vignette=VIGNETTE)


def day_ahead(days: int) -> date:
    """The Berlin day *days* after FIXED_NOW's day."""
    return FIXED_NOW.astimezone(BERLIN).date() + timedelta(days=days)


def at(day: date, clock: str) -> datetime:
    """A Berlin wall-clock time on *day* ("09:00") as an aware UTC datetime."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return berlin(day, time(hours, minutes))


def wall_clock(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%H:%M")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def footprint() -> dict[str, int]:
    """How many rows a booking leaves behind: used to show that a refusal saves nothing."""
    return {model.__name__: count(model) for model in (Consultation, CaseContent, CaseAccess, OutboxMessage)}


def outbox(recipient: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient is not None:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(db.session.scalars(query))


def subjects(recipient: str) -> list[str]:
    return [message.subject for message in outbox(recipient)]


def audit(consultation_id: int | None = None) -> list[tuple]:
    query = select(CaseAccess).order_by(CaseAccess.id)
    if consultation_id is not None:
        query = query.where(CaseAccess.consultation_id == consultation_id)
    return [(row.consultation_id, row.case_code, row.user_id, row.action, row.at) for row in db.session.scalars(query)]


@pytest.fixture
def make_expert(create_user):
    """An expert user with a published profile and a weekly window on each of *weekdays*."""
    counter = itertools.count(1)

    def _make(*, name=None, roles=("expert",), weekdays=EVERY_DAY, hours=MORNING, types=ALL_TYPES,
              formats=ALL_FORMATS, sectors=(), region_ids=(), **rules) -> ExpertProfile:
        expert = create_user(roles=list(roles), name=name or f"Expertin {next(counter)}")
        values = {
            "introduction": "Insoweit erfahrene Fachkraft", "specialisations": "Kita, Schule", "languages": "Deutsch",
            "place": "Beratungsstelle, Raum 3", "phone": "0351 1234567", "video_link": "https://video.example.org/r3",
            "auto_confirm": False, "slot_minutes": 60, "buffer_minutes": 15, "notice_minutes": 120,
            "horizon_days": 56, "max_per_day": None, "published": True,
        }
        values.update(rules)
        profile = services.save_profile(expert, expert, ProfileInput(
            **values, types=list(types), formats=list(formats), sectors=list(sectors), region_ids=list(region_ids),
        ), now=FIXED_NOW)
        for weekday in weekdays:
            services.add_window(expert, expert, WindowInput(start_time=hours[0], end_time=hours[1], weekday=weekday),
                                now=FIXED_NOW)
        db.session.commit()
        return profile

    return _make


@pytest.fixture
def expert_profile(make_expert):
    """Erika Expertin: every day 09:00-12:00 Berlin, 60-minute slots, 15 minutes buffer, 2 hours notice,
    56 days ahead, confirms by hand."""
    return make_expert(name="Erika Expertin")


@pytest.fixture
def expert(expert_profile):
    return expert_profile.user


@pytest.fixture
def partner(create_user, create_region):
    return create_user("partner", name="Paula Partnerin", sector="health", region=create_region("Leipzig"))


@pytest.fixture
def book(partner):
    """Book with sensible defaults: a pseudonymous case consultation by video, booked at FIXED_NOW."""

    def _book(profile, starts_at, *, booker=None, type_code="case_consult_8b", format="video", case=CASE,
              confirmed=(), now=FIXED_NOW) -> Consultation:
        return services.book(booker or partner, profile, BookingInput(
            starts_at=starts_at, type_code=type_code, format=format, case=case, confirmed=frozenset(confirmed),
        ), now=now)

    return _book
