"""The expert's profile: what, how and when the expert offers, and who may change it.

The expert profile is its own aggregate; the availability builds on its permission check.
"""
from dataclasses import dataclass, field
from datetime import datetime

from lms.auth.models import Role, User
from lms.auth.permissions import ensure_role
from lms.beratung.catalogue import BOOKABLE_TYPES, FORMAT_LABELS, SLOT_LENGTHS
from lms.beratung.models import ExpertAttribute, ExpertProfile
from lms.beratung.queries import profile_of
from lms.errors import DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l


@dataclass
class ProfileInput:
    introduction: str
    specialisations: str
    languages: str
    place: str
    phone: str
    video_link: str
    auto_confirm: bool
    slot_minutes: int
    buffer_minutes: int
    notice_minutes: int
    horizon_days: int
    max_per_day: int | None
    published: bool
    types: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    region_ids: list[int] = field(default_factory=list)


def _require_self_or_admin(actor: User, expert: User) -> None:
    if actor.id != expert.id and not actor.has_role(Role.ADMIN):
        raise PermissionDenied()
    ensure_role(expert, Role.EXPERT)


def save_profile(actor: User, expert: User, data: ProfileInput, *, now: datetime) -> ExpertProfile:
    """Create or update the expert's profile; only the expert or an admin may."""
    _require_self_or_admin(actor, expert)
    if data.slot_minutes not in SLOT_LENGTHS:
        raise DomainError(_l("Bitte wählen Sie eine Terminlänge von 30, 45, 60 oder 90 Minuten."))
    if not data.types or set(data.types) - set(BOOKABLE_TYPES):
        raise DomainError(_l("Bitte wählen Sie mindestens eine buchbare Beratungsart."))
    if not data.formats or set(data.formats) - set(FORMAT_LABELS):
        raise DomainError(_l("Bitte wählen Sie mindestens ein Format."))
    needs = {"in_person": (data.place, _l("Für Beratungen vor Ort geben Sie bitte den Ort an.")),
             "phone": (data.phone, _l("Für telefonische Beratungen geben Sie bitte eine Telefonnummer an.")),
             "video": (data.video_link, _l("Für Videoberatungen geben Sie bitte den Link an."))}
    for code in data.formats:
        if not needs[code][0].strip():
            raise DomainError(needs[code][1])
    profile = profile_of(expert) or ExpertProfile(user_id=expert.id)
    for name in ("introduction", "specialisations", "languages", "place", "phone", "video_link"):
        setattr(profile, name, getattr(data, name).strip())
    profile.auto_confirm, profile.slot_minutes = data.auto_confirm, data.slot_minutes
    profile.buffer_minutes, profile.notice_minutes = data.buffer_minutes, data.notice_minutes
    profile.horizon_days, profile.max_per_day, profile.published = data.horizon_days, data.max_per_day, data.published
    profile.updated_at = now
    wanted = {("type", code) for code in data.types} | {("format", code) for code in data.formats} | \
        {("sector", code) for code in data.sectors} | {("region", str(region)) for region in data.region_ids}
    profile.attributes = [row for row in profile.attributes if (row.kind, row.value) in wanted] + [
        ExpertAttribute(kind=kind, value=value) for kind, value in sorted(wanted)
        if not any((row.kind, row.value) == (kind, value) for row in profile.attributes)
    ]
    db.session.add(profile)
    db.session.flush()
    return profile
