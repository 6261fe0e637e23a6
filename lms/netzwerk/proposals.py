"""Changes an institution's own people propose, and its keepers accept or decline.

Only members of the institution propose (others get 403: a Kita does not rewrite the clinic's entry);
a proposal holds those of name, address, opening hours, website and description the member changed.
A keeper accepts it (the values go into the institution, which counts as confirmed by the keeper)
or declines it with a reason; either is told to the author by mail. Of two keepers deciding at once,
one gets through.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from lms.auth.models import User
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.links import external_url
from lms.netzwerk.directory import InstitutionInput, check_details, save_institution
from lms.netzwerk.models import (
    PROPOSED_FIELDS,
    Institution,
    InstitutionProposal,
    ProposalState,
    institutions_serving,
)
from lms.netzwerk.services import FieldRefused
from lms.notifications.services import queue_mail

DECIDED_MEANWHILE = _l("Über diesen Vorschlag wurde inzwischen entschieden. Bitte prüfen Sie den aktuellen Stand.")


@dataclass
class ProposalInput:
    name: str
    address: str = ""
    opening_hours: str = ""
    website: str = ""
    description: str = ""
    note: str = ""


def may_propose(user, institution: Institution) -> bool:
    """The institution's own people; its keepers change it directly."""
    return institution.is_member(user) and not institution.can_edit(user) and user.is_active


def propose(actor: User, institution: Institution, data: ProposalInput, *, now: datetime) -> InstitutionProposal:
    if not may_propose(actor, institution):
        raise PermissionDenied()
    check_details(data.name, data.website)
    values = {"name": data.name.strip()[:200], "address": data.address.strip()[:300],
              "opening_hours": data.opening_hours.strip()[:300], "website": data.website.strip()[:300],
              "description": data.description.strip()[:4000]}
    changed = {name: value for name, value in values.items() if value != getattr(institution, name)}
    if not changed:
        raise FieldRefused(_l("Der Vorschlag ändert nichts: Bitte tragen Sie ein, was anders sein soll."), "name")
    proposal = InstitutionProposal(institution_id=institution.id, author_id=actor.id, note=data.note.strip()[:500],
                                   state=ProposalState.OPEN, created_at=now, **changed)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def _decide(actor: User, proposal: InstitutionProposal, state: str, *, reason: str, now: datetime) -> None:
    if not proposal.institution.can_edit(actor):
        raise PermissionDenied()
    decided = db.session.execute(
        update(InstitutionProposal).where(InstitutionProposal.id == proposal.id,
                                          InstitutionProposal.state == ProposalState.OPEN)
        .values(state=state, decided_by_id=actor.id, decided_at=now, reason=reason)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not decided:
        raise Conflict(DECIDED_MEANWHILE)
    db.session.expire(proposal)


def _tell_author(proposal: InstitutionProposal, *, now: datetime) -> None:
    author = proposal.author
    if author is not None and author.active:
        queue_mail(recipient=author.email, template="netzwerk/proposal_decided", locale=author.locale, now=now,
                   user=author, proposal=proposal, accepted=proposal.state == ProposalState.ACCEPTED,
                   link=external_url("netzwerk.institution", institution_id=proposal.institution_id))


def accept(actor: User, proposal: InstitutionProposal, *, now: datetime) -> Institution:
    """Take the proposed values into the institution, the other fields as they are now; saving it
    confirms it, by *actor*."""
    institution = proposal.institution
    _decide(actor, proposal, ProposalState.ACCEPTED, reason="", now=now)
    current = {name: getattr(institution, name) for name in PROPOSED_FIELDS}
    save_institution(actor, institution, InstitutionInput(
        sector=institution.sector, kind=institution.kind, region_ids=[region.id for region in institution.regions],
        visibility=institution.visibility, **(current | proposal.proposed())), now=now)
    _tell_author(proposal, now=now)
    return institution


def decline(actor: User, proposal: InstitutionProposal, *, reason: str, now: datetime) -> None:
    if not reason.strip():
        raise FieldRefused(_l("Bitte schreiben Sie kurz, warum Sie den Vorschlag nicht übernehmen."), "reason")
    _decide(actor, proposal, ProposalState.DECLINED, reason=reason.strip()[:500], now=now)
    _tell_author(proposal, now=now)


def open_proposals(institution_id: int) -> list[InstitutionProposal]:
    return list(db.session.scalars(select(InstitutionProposal).where(
        InstitutionProposal.institution_id == institution_id, InstitutionProposal.state == ProposalState.OPEN)
        .order_by(InstitutionProposal.created_at, InstitutionProposal.id)))


def waiting(region_id: int | None) -> tuple[int, int | None]:
    """(how many, one institution with one) of the open proposals for the institutions serving
    *region_id*, or every region's when it is None: the start page's notice, in one statement."""
    query = select(func.count(InstitutionProposal.id), func.min(InstitutionProposal.institution_id)).where(
        InstitutionProposal.state == ProposalState.OPEN)
    if region_id is not None:
        query = query.where(InstitutionProposal.institution_id.in_(institutions_serving(region_id)))
    count, institution_id = db.session.execute(query).one()
    return count or 0, institution_id
