"""Keeping the network's entries current: emergency numbers, institutions and binding contacts.

Every entry has an owner (who last saved or confirmed it) and a "zuletzt bestätigt" date. An entry
not confirmed for NETWORK_CONFIRM_AFTER_DAYS asks its owner once by mail to confirm or correct it
(`reminded_at` records that, so a scheduler restart sends nothing twice; confirming clears it); after
a further NETWORK_CONFIRM_GRACE_DAYS it shows as "nicht bestätigt" wherever it is shown. When the
owner has left or keeps it no longer (another region, another role), the coordinators of the entry's
regions are asked instead: the mail names the entry's fields, internal ones too.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.auth.queries import users_query
from lms.errors import PermissionDenied
from lms.extensions import db
from lms.links import external_url
from lms.netzwerk.models import BindingContact, EmergencyNumber, Institution, Kept
from lms.notifications.services import queue_mail


@dataclass(frozen=True)
class Upkeep:
    """One kind of entry: the mail that asks to confirm it, and that mail's links: `link` to the page
    that confirms or corrects it, `page` to where people see it."""

    model: type
    template: str
    links: Callable[[Any], dict[str, str]]


UPKEEP = (
    Upkeep(EmergencyNumber, "netzwerk/confirm_number", lambda number: {
        "link": external_url("netzwerk.edit_number", number_id=number.id),
        "page": external_url("netzwerk.emergency", region_id=number.region_id)}),
    Upkeep(Institution, "netzwerk/confirm_institution", lambda institution: {
        "link": external_url("netzwerk.edit_institution", institution_id=institution.id),
        "page": external_url("netzwerk.institution", institution_id=institution.id)}),
    Upkeep(BindingContact, "netzwerk/confirm_contact", lambda contact: {
        "link": external_url("netzwerk.edit_contact", contact_id=contact.id),
        "page": external_url("netzwerk.institution", institution_id=contact.institution_id)}),
)


def confirm_periods() -> tuple[timedelta, timedelta]:
    """(after, grace): how long a confirmation holds, and how long its owner then has to answer."""
    config = current_app.config
    return timedelta(days=config["NETWORK_CONFIRM_AFTER_DAYS"]), timedelta(days=config["NETWORK_CONFIRM_GRACE_DAYS"])


def confirm(actor: User, entry: Kept, *, now: datetime) -> None:
    """"Stimmt noch": the entry is confirmed as it is, by *actor*, who becomes its owner."""
    if not entry.can_edit(actor):
        raise PermissionDenied()
    entry.mark_confirmed(actor, now)
    db.session.flush()


def _people_to_ask(entry: Kept) -> list[User]:
    owner = db.session.get(User, entry.owner_id) if entry.owner_id else None
    if owner is not None and entry.can_edit(owner):  # still active and still keeping it
        return [owner]
    return list(db.session.scalars(users_query(role=Role.COORDINATOR).where(
        User.region_id.in_(entry.keeper_region_ids or [0]), User.active.is_(True))))


def ask_owners_to_confirm(*, now: datetime) -> int:
    """Mail the owner of each entry not confirmed for the configured period, once; return how many entries."""
    after, _grace = confirm_periods()
    asked = 0
    for upkeep in UPKEEP:
        model = upkeep.model
        due = db.session.scalars(select(model).where(model.confirmed_at <= now - after, model.reminded_at.is_(None))
                                 .order_by(model.id)).all()
        for entry in due:
            for person in _people_to_ask(entry):
                queue_mail(recipient=person.email, template=upkeep.template, locale=person.locale, now=now,
                           user=person, entry=entry, **upkeep.links(entry))
            entry.reminded_at = now
        asked += len(due)
    db.session.flush()
    return asked
