"""The rules for emergency numbers: who keeps them, what a number needs, and that of each exclusive kind
one number at a time is the one to call. Saving a number confirms it (lms/netzwerk/upkeep.py asks
owners to confirm what nobody has looked at for long; an unconfirmed number is still shown: an old
number is better than none at 17:00).
"""
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lms.auth.models import Region, User
from lms.errors import DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.locks import lock_row
from lms.netzwerk import hours
from lms.netzwerk.models import EMERGENCY_KIND_LABELS, EXCLUSIVE_KINDS, EmergencyNumber, EmergencyWindow, keeps_region

PHONE = re.compile(r"^\+?[0-9][0-9 ()/\-]*$")


class FieldRefused(DomainError):
    """Input that breaks a rule of the network package; `form_field` names the field to show it at."""

    def __init__(self, message, field: str):
        super().__init__(message)
        self.form_field = field


@dataclass
class NumberInput:
    region_id: int
    kind: str
    name: str
    phone: str
    note: str
    always: bool
    hours: str  # one window per line, see lms/netzwerk/hours.py


def _windows(data: NumberInput, number_id: int | None) -> list[hours.Window]:
    if data.kind not in EMERGENCY_KIND_LABELS:
        raise FieldRefused(_l("Bitte wählen Sie eine Art aus der Liste."), "kind")
    if not data.name.strip():
        raise FieldRefused(_l("Bitte geben Sie an, wer unter der Nummer erreichbar ist."), "name")
    digits = re.sub(r"\D", "", data.phone)
    if not PHONE.match(data.phone.strip()) or len(digits) < 3 or len(digits) > 20:
        raise FieldRefused(_l("Bitte geben Sie eine Telefonnummer aus Ziffern an, z. B. „0351 4886622“ oder "
                               "„110“."), "phone")
    try:
        windows = [] if data.always else hours.parse(data.hours)
    except hours.HoursError as error:
        raise FieldRefused(str(error), "hours") from None
    if not data.always and not windows:
        raise FieldRefused(_l("Bitte geben Sie an, wann die Nummer erreichbar ist, oder wählen Sie „rund um die "
                               "Uhr“."), "hours")
    if data.kind in EXCLUSIVE_KINDS:
        others = db.session.scalars(select(EmergencyNumber).where(
            EmergencyNumber.region_id == data.region_id, EmergencyNumber.kind == data.kind,
            EmergencyNumber.id != (number_id or 0)))
        for other in others:
            if data.always or other.always or any(w.overlaps(o) for w in windows for o in other.windows):
                raise FieldRefused(_l(
                    "Die Zeiten überschneiden sich mit „%(name)s“ (%(hours)s). Von jeder Art ist zu jeder Zeit "
                    "genau eine Nummer die richtige: Bitte passen Sie die Zeiten an.", name=other.name,
                    hours=_l("rund um die Uhr") if other.always else ", ".join(hours.lines(other.windows))),
                    "hours")
    return windows


def save_number(actor: User, number: EmergencyNumber | None, data: NumberInput, *, now: datetime) -> EmergencyNumber:
    """Create or change a number; saving confirms it, and its owner becomes *actor*."""
    if not keeps_region(actor, data.region_id) or (number is not None and not number.can_edit(actor)):
        raise PermissionDenied()
    if db.session.get(Region, data.region_id) is None:
        raise FieldRefused(_l("Bitte wählen Sie eine Region aus der Liste."), "region_id")
    lock_row(Region, data.region_id)  # two parallel saves check for overlaps one after the other
    windows = _windows(data, number.id if number else None)
    if number is None:
        number = EmergencyNumber(created_at=now)
        db.session.add(number)
    number.region_id, number.kind = data.region_id, data.kind
    number.name, number.phone, number.note = data.name.strip()[:160], data.phone.strip(), data.note.strip()[:500]
    number.always = data.always
    number.window_rows = [EmergencyWindow(weekday=w.weekday, starts=w.starts, ends=w.ends) for w in windows]
    number.mark_confirmed(actor, now)
    db.session.flush()
    return number


def delete_number(actor: User, number: EmergencyNumber) -> None:
    if not number.can_edit(actor):
        raise PermissionDenied()
    db.session.delete(number)
    db.session.flush()
