"""The rules for the network directory: institutions and their binding contacts.

Admins keep every institution, coordinators those serving their region; a coordinator's institution
must serve her region, so that she keeps what she creates. A contact needs a reachable channel
(a phone number or a functional mailbox), and a personal number is never shown publicly. Saving an
institution or a contact confirms it ("zuletzt bestätigt") and makes the person its owner.
"""
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lms.auth.models import SECTOR_LABELS, Region, Role, User
from lms.auth.services import find_user_by_email, follow_institution
from lms.errors import PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.netzwerk.models import (
    INSTITUTION_KIND_LABELS,
    VISIBILITY_LABELS,
    BindingContact,
    Institution,
    Visibility,
)
from lms.netzwerk.services import PHONE, FieldRefused
from lms.textsearch import term_line

MAILBOX = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class InstitutionInput:
    name: str
    sector: str
    kind: str
    region_ids: list[int]
    address: str = ""
    opening_hours: str = ""
    website: str = ""
    description: str = ""
    visibility: str = Visibility.PUBLIC


@dataclass
class ContactInput:
    topic: str
    name: str
    deputy: str = ""
    phone: str = ""
    phone_personal: bool = False
    phone_visibility: str = Visibility.MEMBERS
    mailbox: str = ""
    mailbox_visibility: str = Visibility.PUBLIC
    reachability: str = ""


def may_create(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.has_role(Role.ADMIN,
                                                                                               Role.COORDINATOR)


def _regions(actor: User, data: InstitutionInput) -> list[Region]:
    regions = db.session.scalars(select(Region).where(Region.id.in_(data.region_ids or [0]))).all()
    if not regions:
        raise FieldRefused(_l("Bitte wählen Sie mindestens eine Region, für die die Einrichtung da ist."),
                            "region_ids")
    if not actor.has_role(Role.ADMIN) and actor.region_id not in {region.id for region in regions}:
        raise FieldRefused(_l("Ihre eigene Region muss dabei sein: Sie pflegen die Einrichtungen Ihrer Region."),
                            "region_ids")
    return list(regions)


def check_details(name: str, website: str) -> None:
    """What an institution's name and website need, whoever writes them (a keeper, or a proposal)."""
    if not name.strip():
        raise FieldRefused(_l("Bitte geben Sie den Namen der Einrichtung an."), "name")
    if website.strip() and not website.strip().startswith(("https://", "http://")):
        raise FieldRefused(_l("Bitte geben Sie eine vollständige Adresse mit https:// an."), "website")


def save_institution(actor: User, institution: Institution | None, data: InstitutionInput, *,
                     now: datetime) -> Institution:
    """Create or change an institution; saving confirms it, and its owner becomes *actor*."""
    if not may_create(actor) or (institution is not None and not institution.can_edit(actor)):
        raise PermissionDenied()
    check_details(data.name, data.website)
    if data.sector not in SECTOR_LABELS:
        raise FieldRefused(_l("Bitte wählen Sie einen Sektor aus der Liste."), "sector")
    if data.kind not in INSTITUTION_KIND_LABELS:
        raise FieldRefused(_l("Bitte wählen Sie eine Art aus der Liste."), "kind")
    if data.visibility not in (Visibility.PUBLIC, Visibility.MEMBERS):
        raise FieldRefused(_l("Bitte wählen Sie, wer die Einrichtung sieht."), "visibility")
    regions = _regions(actor, data)
    if institution is None:
        institution = Institution(created_at=now)
        db.session.add(institution)
    institution.name, institution.sector, institution.kind = data.name.strip()[:200], data.sector, data.kind
    institution.address, institution.opening_hours = data.address.strip()[:300], data.opening_hours.strip()[:300]
    institution.website, institution.description = data.website.strip()[:300], data.description.strip()[:4000]
    institution.visibility, institution.regions = data.visibility, regions
    institution.search_title = term_line(institution.name)
    institution.search_body = term_line(f"{institution.description} {institution.address}")
    institution.mark_confirmed(actor, now)
    db.session.flush()
    return institution


def save_contact(actor: User, institution: Institution, contact: BindingContact | None, data: ContactInput, *,
                 now: datetime) -> BindingContact:
    """Add or change a binding contact of *institution* (its keepers only)."""
    if not institution.can_edit(actor) or (contact is not None and contact.institution_id != institution.id):
        raise PermissionDenied()
    if not data.topic.strip():
        raise FieldRefused(_l("Bitte nennen Sie das Thema, z. B. „Kinderschutzfachkraft nach § 8a“."), "topic")
    if not data.name.strip():
        raise FieldRefused(_l("Bitte geben Sie den Namen der Ansprechperson an."), "name")
    phone, mailbox = data.phone.strip(), data.mailbox.strip().lower()
    if not phone and not mailbox:
        raise FieldRefused(_l("Bitte geben Sie eine Telefonnummer oder ein Funktionspostfach an, damit die "
                               "Ansprechperson erreichbar ist."), "phone")
    if phone and (not PHONE.match(phone) or len(re.sub(r"\D", "", phone)) < 3):
        raise FieldRefused(_l("Bitte geben Sie eine Telefonnummer aus Ziffern an, z. B. „0351 4886622“ oder "
                               "„110“."), "phone")
    if mailbox and not MAILBOX.match(mailbox):
        raise FieldRefused(_l("Bitte geben Sie eine E-Mail-Adresse an, z. B. „kinderschutz@example.org“."),
                            "mailbox")
    for name in ("phone_visibility", "mailbox_visibility"):
        if getattr(data, name) not in VISIBILITY_LABELS:
            raise FieldRefused(_l("Bitte wählen Sie, wer das sieht."), name)
    if phone and data.phone_personal and data.phone_visibility == Visibility.PUBLIC:
        raise FieldRefused(_l("Eine persönliche Nummer wird nie öffentlich gezeigt: Bitte wählen Sie "
                               "„Angemeldete“ oder „Netzwerkintern“."), "phone_visibility")
    if contact is None:
        contact = BindingContact(institution_id=institution.id, created_at=now)
        db.session.add(contact)
    contact.topic, contact.name, contact.deputy = data.topic.strip()[:160], data.name.strip()[:160], \
        data.deputy.strip()[:160]
    contact.phone, contact.phone_personal, contact.phone_visibility = phone, bool(phone and data.phone_personal), \
        data.phone_visibility
    contact.mailbox, contact.mailbox_visibility = mailbox, data.mailbox_visibility
    contact.reachability = data.reachability.strip()[:300]
    contact.mark_confirmed(actor, now)
    db.session.flush()
    db.session.expire(institution, ["contacts"])
    return contact


def delete_contact(actor: User, contact: BindingContact) -> None:
    institution = contact.institution
    if not institution.can_edit(actor):
        raise PermissionDenied()
    db.session.delete(contact)
    db.session.flush()
    db.session.expire(institution, ["contacts"])


# Whose sector and organisation may follow an institution: the people the network works with, not
# the staff who run it (a coordinator must not rewrite an admin's or another coordinator's account).
FOLLOWING_ROLES = {Role.PARTNER, Role.EXPERT}


def add_member(actor: User, institution: Institution, email: str, *, follow: bool) -> User:
    """Count the account of *email* among the institution's own people; with *follow*, a partner or
    expert takes the institution's sector and name as her own (the sector decides which modules she sees)."""
    if not institution.can_edit(actor):
        raise PermissionDenied()
    person = find_user_by_email(email)
    if person is None or not person.active:
        raise FieldRefused(_l("Zu dieser E-Mail-Adresse gibt es kein aktives Konto. Bitte laden Sie die Person "
                               "zuerst ein (Benutzerverwaltung)."), "email")
    if institution.is_member(person):
        raise FieldRefused(_l("%(name)s gehört schon zu dieser Einrichtung.", name=person.name), "email")
    if follow and not set(person.roles) <= FOLLOWING_ROLES:
        raise FieldRefused(_l("Sektor und Organisation folgen der Einrichtung nur bei Netzwerkpartner*innen und "
                               "Fachkräften. Bitte wählen Sie das Feld für dieses Konto ab."), "follow")
    institution.members.append(person)
    if follow:
        follow_institution(person, sector=institution.sector, organisation=institution.name)
    db.session.flush()
    return person


def remove_member(actor: User, institution: Institution, person: User) -> None:
    if not institution.can_edit(actor):
        raise PermissionDenied()
    institution.members = [member for member in institution.members if member.id != person.id]
    db.session.flush()
