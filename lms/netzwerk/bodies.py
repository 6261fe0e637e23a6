"""The rules for the network's bodies (Gremien): Netzwerkforum, Steuerungsgruppe, Projektgruppen and
Runde Tische of one region.

The region's coordinators (and the admins) create a body; they and its chair keep it. A seat is an
institution serving the region, with the person it sends (delegate) and her deputy, or a single
person; nobody sits twice. A public body's page is for anyone; an internal one only for its keepers
and the people who sit in it (persons, delegates, deputies): others get 404.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, false, or_, select

from lms.auth.models import Role, User
from lms.auth.services import find_user_by_email
from lms.errors import PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.netzwerk.models import BODY_KIND_LABELS, Body, BodyMember, Institution, institutions_serving, keeps_region
from lms.netzwerk.services import FieldRefused


@dataclass
class BodyInput:
    region_id: int
    kind: str
    name: str
    purpose: str = ""
    public: bool = False
    chair_email: str = ""  # the account that chairs it; empty: whoever creates it


def account(email: str, field: str, *, required: bool) -> User | None:
    if not email.strip():
        if required:
            raise FieldRefused(_l("Bitte geben Sie die E-Mail-Adresse des Kontos an."), field)
        return None
    person = find_user_by_email(email)
    if person is None or not person.active:
        raise FieldRefused(_l("Zu dieser E-Mail-Adresse gibt es kein aktives Konto. Bitte laden Sie die Person "
                               "zuerst ein (Benutzerverwaltung)."), field)
    return person


def save_body(actor: User, body: Body | None, data: BodyInput, *, now: datetime) -> Body:
    if body is not None and not body.can_edit(actor):
        raise PermissionDenied()
    if (body is None or data.region_id != body.region_id) and not keeps_region(actor, data.region_id):
        raise PermissionDenied()  # a body comes into a region only through its keepers
    if data.kind not in BODY_KIND_LABELS:
        raise FieldRefused(_l("Bitte wählen Sie eine Art aus der Liste."), "kind")
    if not data.name.strip():
        raise FieldRefused(_l("Bitte geben Sie dem Gremium einen Namen."), "name")
    chair = account(data.chair_email, "chair_email", required=False)
    if body is None:
        body = Body(created_at=now)
        db.session.add(body)
    body.region_id, body.kind, body.name = data.region_id, data.kind, data.name.strip()[:200]
    body.purpose, body.public = data.purpose.strip()[:10000], data.public
    body.chair_id = chair.id if chair else (body.chair_id or actor.id)
    body.updated_at = now
    db.session.flush()
    return body


def _seat_taken(body: Body, *, institution_id: int | None = None, person_id: int | None = None) -> bool:
    return any((institution_id and seat.institution_id == institution_id) or (person_id and seat.person_id == person_id)
               for seat in body.members)


INSTITUTION_OF_THE_REGION = _l("Bitte wählen Sie eine Einrichtung der Region aus der Liste.")


def add_institution(actor: User, body: Body, institution_id: int, *, delegate_email: str = "",
                    deputy_email: str = "") -> BodyMember:
    """Give an institution serving the body's region a seat, with the person it sends and her deputy."""
    if not body.can_edit(actor):
        raise PermissionDenied()
    institution = db.session.scalar(select(Institution).where(
        Institution.id == institution_id, Institution.id.in_(institutions_serving(body.region_id))))
    if institution is None:
        raise FieldRefused(INSTITUTION_OF_THE_REGION, "institution_id")
    if _seat_taken(body, institution_id=institution.id):
        raise FieldRefused(_l("%(name)s hat schon einen Sitz in diesem Gremium.", name=institution.name),
                            "institution_id")
    delegate = account(delegate_email, "delegate_email", required=False)
    deputy = account(deputy_email, "deputy_email", required=False)
    if delegate and deputy and delegate.id == deputy.id:
        raise FieldRefused(_l("Vertretung und entsandte Person sind verschiedene Personen."), "deputy_email")
    seat = BodyMember(institution_id=institution.id, delegate_id=delegate.id if delegate else None,
                      deputy_id=deputy.id if deputy else None)
    body.members.append(seat)
    db.session.flush()
    return seat


def add_person(actor: User, body: Body, email: str) -> BodyMember:
    """Give a single person a seat (an expert, a guest with a standing invitation)."""
    if not body.can_edit(actor):
        raise PermissionDenied()
    person = account(email, "email", required=True)
    if _seat_taken(body, person_id=person.id):
        raise FieldRefused(_l("%(name)s sitzt schon in diesem Gremium.", name=person.name), "email")
    seat = BodyMember(person_id=person.id)
    body.members.append(seat)
    db.session.flush()
    return seat


def remove_seat(actor: User, seat: BodyMember) -> None:
    if not seat.body.can_edit(actor):
        raise PermissionDenied()
    db.session.delete(seat)
    db.session.flush()


def bodies_query(user, *, region_id: int | None) -> Select:
    """The bodies *user* may see, by region and name: public ones for anyone; internal ones for their
    region's keepers, their chair and the people who sit in them."""
    query = select(Body).order_by(Body.name, Body.id)
    if region_id:
        query = query.where(Body.region_id == region_id)
    if not getattr(user, "is_authenticated", False):
        return query.where(Body.public.is_(True))
    if user.has_role(Role.ADMIN):
        return query
    sits = exists().where(BodyMember.body_id == Body.id, or_(
        BodyMember.person_id == user.id, BodyMember.delegate_id == user.id, BodyMember.deputy_id == user.id))
    keeps = (Body.region_id == user.region_id) if user.has_role(Role.COORDINATOR) and user.region_id else false()
    return query.where(or_(Body.public.is_(True), Body.chair_id == user.id, sits, keeps))
