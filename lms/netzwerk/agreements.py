"""The rules for cooperation agreements (Kooperationsvereinbarungen, § 3 KKG).

An agreement binds at least two institutions and belongs to one region, whose coordinators (and the
admins) keep it. It moves Entwurf -> in Abstimmung -> unterzeichnet -> gekündigt; a signed agreement
past its valid_to shows as abgelaufen without anyone moving it. It is signed when every party has a
signature date and it has a start. Signatures belong to a text: a new text, a signed agreement taken
back to "in Abstimmung" and a move back to Entwurf clear them. Parties are institutions serving the
region (or bound already). Saving, signing and moving lock the agreement's row and read it afresh, so
parallel changes take turns and each checks the state it finds.
Each change of the text is a new version with a change note; files (the signed scans) belong to a
version and go through the library's upload checks and storage.

The responsible coordinator is told once, NETWORK_AGREEMENT_NOTICE_DAYS before a signed agreement
ends, and once when its review is due (its review interval after its last version); a new version or
new dates ask again.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from lms.auth.models import Role, User
from lms.auth.queries import users_query
from lms.candidates import Candidates
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.ical import BERLIN
from lms.instrumente.models import Kind
from lms.instrumente.queries import published_of_kind
from lms.instrumente.services.files import Upload, store_upload
from lms.links import external_url
from lms.locks import lock_row
from lms.netzwerk.models import (
    AGREEMENT_MOVES,
    Agreement,
    AgreementFile,
    AgreementParty,
    AgreementState,
    AgreementVersion,
    Institution,
    institutions_serving,
    keeps_region,
)
from lms.netzwerk.services import FieldRefused
from lms.notifications.services import queue_mail

CHANGED_MEANWHILE = _l("Jemand hat die Vereinbarung inzwischen geändert. Ihre Änderung wurde nicht gespeichert. "
                       "Bitte prüfen Sie den aktuellen Stand.")


@dataclass
class AgreementInput:
    region_id: int
    title: str
    party_ids: list[int]
    subject: str = ""
    instrument_id: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    review_months: int | None = None
    note: str = ""  # what changed, for the new version


def notice_days() -> int:
    return current_app.config["NETWORK_AGREEMENT_NOTICE_DAYS"]


TWO_PARTIES_OF_THE_REGION = _l("Eine Kooperationsvereinbarung braucht mindestens zwei Partner: Bitte wählen Sie "
                               "mindestens zwei Einrichtungen der Region.")


def _may_bind(region_id: int, agreement: Agreement | None):
    """SQL: the institution may be a party of an agreement of *region_id*: it serves the region, or the
    agreement binds it already (an institution may have stopped serving it since)."""
    bound = agreement_party_ids(agreement) if agreement else []
    return Institution.id.in_(institutions_serving(region_id)) | Institution.id.in_(bound or [0])


def offered_parties(region_id: int, agreement: Agreement | None) -> Candidates:
    """The institutions an agreement of *region_id* may bind, by name (a Land's region may have
    thousands: the form finds them by search)."""
    return Candidates(select(Institution.id, Institution.name).where(_may_bind(region_id, agreement))
                      .order_by(Institution.name, Institution.id), id=Institution.id, searched=(Institution.name,))


def _checked(data: AgreementInput, agreement: Agreement | None) -> list[Institution]:
    if not data.title.strip():
        raise FieldRefused(_l("Bitte geben Sie der Vereinbarung einen Titel."), "title")
    parties = db.session.scalars(select(Institution).where(
        _may_bind(data.region_id, agreement), Institution.id.in_(set(data.party_ids) or {0}))
        .order_by(Institution.name, Institution.id)).all()
    if len(parties) < 2:
        raise FieldRefused(TWO_PARTIES_OF_THE_REGION, "party_ids")
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise FieldRefused(_l("Das Ende der Laufzeit liegt vor ihrem Beginn: Bitte prüfen Sie die Daten."),
                            "valid_to")
    if data.review_months is not None and not 1 <= data.review_months <= 120:
        raise FieldRefused(_l("Bitte geben Sie das Überprüfungsintervall in Monaten an, von 1 bis 120."),
                            "review_months")
    if data.instrument_id and data.instrument_id not in {template.id for template in published_of_kind(Kind.AGREEMENT)}:
        raise FieldRefused(_l("Bitte wählen Sie eine Vorlage aus der Liste."), "instrument_id")
    if agreement is not None and agreement.state == AgreementState.TERMINATED:
        raise FieldRefused(_l("Eine gekündigte Vereinbarung wird nicht mehr geändert. Legen Sie bei Bedarf eine "
                               "neue an."), "title")
    if agreement is not None and agreement.state == AgreementState.SIGNED and (
            data.subject.strip() != agreement.subject or {p.id for p in parties} != set(agreement_party_ids(agreement))):
        raise FieldRefused(_l("Die Partner haben diese Fassung unterzeichnet. Um Text oder Partner zu ändern, "
                               "setzen Sie die Vereinbarung zuerst zurück auf „in Abstimmung“."), "subject")
    if agreement is not None and data.subject.strip() != agreement.subject and not data.note.strip():
        raise FieldRefused(_l("Bitte beschreiben Sie kurz, was sich am Text geändert hat."), "note")
    return list(parties)


def _lock(agreement: Agreement) -> None:
    """Take turns with parallel changes of the same agreement, and read it as it now stands: a save, a
    signature and a move each check the state they find (lms/locks.py)."""
    lock_row(Agreement, agreement.id)
    db.session.refresh(agreement)
    db.session.expire(agreement, ["parties", "versions"])


def agreement_party_ids(agreement: Agreement) -> list[int]:
    return [party.institution_id for party in agreement.parties]


def save_agreement(actor: User, agreement: Agreement | None, data: AgreementInput, *, now: datetime) -> Agreement:
    """Create or change an agreement; a new or changed text is a new version."""
    if not keeps_region(actor, data.region_id) or (agreement is not None and not agreement.can_edit(actor)):
        raise PermissionDenied()
    if agreement is not None:
        _lock(agreement)
    parties = _checked(data, agreement)
    subject = data.subject.strip()
    if agreement is None:
        agreement = Agreement(created_at=now, state=AgreementState.DRAFT, responsible_id=actor.id)
        db.session.add(agreement)
    new_text = not agreement.versions or subject != agreement.subject
    dates_changed = (agreement.valid_to, agreement.review_months) != (data.valid_to, data.review_months)
    agreement.region_id, agreement.title, agreement.subject = data.region_id, data.title.strip()[:200], subject
    agreement.instrument_id = data.instrument_id or None
    agreement.valid_from, agreement.valid_to, agreement.review_months = data.valid_from, data.valid_to, \
        data.review_months
    # Signatures were given to a text: a new one, once there was one, is signed afresh.
    signed = {} if new_text else {party.institution_id: party.signed_on for party in agreement.parties}
    agreement.parties = [AgreementParty(institution_id=party.id, signed_on=signed.get(party.id)) for party in parties]
    agreement.updated_at = now
    if new_text:
        number = (agreement.versions[0].number if agreement.versions else 0) + 1
        agreement.versions.insert(0, AgreementVersion(
            number=number, subject=subject, author_id=actor.id, created_at=now,
            note=data.note.strip()[:500] or str(_l("Erste Fassung"))))
    if new_text or dates_changed:
        agreement.expiry_reminded_at = agreement.review_reminded_at = None
    db.session.flush()
    return agreement


def move(actor: User, agreement: Agreement, to: str, *, today: date, now: datetime) -> None:
    """Move to state *to*, if that may follow the current one: in one statement that checks the state
    it starts from, so of two people moving at once only one gets through."""
    if not agreement.can_edit(actor):
        raise PermissionDenied()
    _lock(agreement)
    start = AgreementState(agreement.state)
    if to not in AGREEMENT_MOVES[start]:
        raise Conflict(_l("Aus dem Stand „%(state)s“ geht es so nicht weiter.", state=agreement.status_label(today)))
    values = {"state": to, "updated_at": now}
    if to == AgreementState.SIGNED:
        if any(party.signed_on is None for party in agreement.parties):
            raise FieldRefused(_l("Es haben noch nicht alle Partner unterschrieben: Bitte tragen Sie für jeden "
                                   "Partner das Datum der Unterschrift ein."), "signatures")
        if agreement.valid_from is None:
            raise FieldRefused(_l("Bitte tragen Sie zuerst ein, ab wann die Vereinbarung gilt."), "valid_from")
    if to == AgreementState.TERMINATED:
        values["terminated_on"] = today
    moved = db.session.execute(update(Agreement).where(Agreement.id == agreement.id, Agreement.state == start)
                               .values(**values).execution_options(synchronize_session=False)).rowcount == 1
    if not moved:
        raise Conflict(CHANGED_MEANWHILE)
    if start == AgreementState.SIGNED or to == AgreementState.DRAFT:
        for party in agreement.parties:  # signatures were given to the text as it stood
            party.signed_on = None
    db.session.flush()
    db.session.expire(agreement)


def record_signatures(actor: User, agreement: Agreement, signed: dict[int, date | None], *, today: date,
                      now: datetime) -> None:
    """Note the day each party signed; only while the agreement is in Abstimmung, never in the future."""
    if not agreement.can_edit(actor):
        raise PermissionDenied()
    _lock(agreement)
    if agreement.state != AgreementState.CONSULTATION:
        raise FieldRefused(_l("Unterschriften werden eingetragen, solange die Vereinbarung „in Abstimmung“ ist."),
                            "signatures")
    if any(day is not None and day > today for day in signed.values()):
        raise FieldRefused(_l("Ein Datum der Unterschrift liegt in der Zukunft: Bitte tragen Sie den Tag ein, an "
                               "dem unterschrieben wurde."), "signatures")
    for party in agreement.parties:
        if party.institution_id in signed:
            party.signed_on = signed[party.institution_id]
    agreement.updated_at = now
    db.session.flush()


def attach_file(actor: User, agreement: Agreement, upload: Upload, *, now: datetime) -> AgreementFile:
    """Add a file (a signed scan, the text as sent) to the agreement's current version."""
    if not agreement.can_edit(actor):
        raise PermissionDenied()
    stored, filename = store_upload(upload)
    attached = AgreementFile(version_id=agreement.versions[0].id, file_sha256=stored.sha256, filename=filename,
                             uploaded_by_id=actor.id, uploaded_at=now)
    db.session.add(attached)
    db.session.flush()
    return attached


def _last_version_on(agreement_ids: list[int]) -> dict[int, date]:
    rows = db.session.execute(select(AgreementVersion.agreement_id, func.max(AgreementVersion.created_at))
                              .where(AgreementVersion.agreement_id.in_(agreement_ids or [0]))
                              .group_by(AgreementVersion.agreement_id))
    return {agreement_id: created.astimezone(BERLIN).date() for agreement_id, created in rows}


def _people_to_tell(agreement: Agreement) -> list[User]:
    responsible = agreement.responsible
    if responsible is not None and agreement.can_edit(responsible):  # still active and keeping it
        return [responsible]
    return list(db.session.scalars(users_query(role=Role.COORDINATOR, region_id=agreement.region_id)
                                   .where(User.active.is_(True))))


def remind_responsible(*, now: datetime) -> int:
    """Tell the responsible coordinators of coming expiries and due reviews, once each; return how many."""
    today, told = now.astimezone(BERLIN).date(), 0
    signed = db.session.scalars(select(Agreement).where(
        Agreement.state == AgreementState.SIGNED,
        (Agreement.expiry_reminded_at.is_(None) & (Agreement.valid_to >= today)
         & (Agreement.valid_to <= today + timedelta(days=notice_days())))
        | (Agreement.review_reminded_at.is_(None) & Agreement.review_months.is_not(None)))
        .order_by(Agreement.id)).all()
    last_version_on = _last_version_on([agreement.id for agreement in signed])
    for agreement in signed:
        expiring = (agreement.expiry_reminded_at is None and agreement.valid_to is not None
                    and today <= agreement.valid_to <= today + timedelta(days=notice_days()))
        review_on = agreement.review_due(last_version_on[agreement.id])
        review = agreement.review_reminded_at is None and review_on is not None and review_on <= today
        if not (expiring or review):
            continue
        for person in _people_to_tell(agreement):
            queue_mail(recipient=person.email, template="netzwerk/agreement_due", locale=person.locale, now=now,
                       user=person, agreement=agreement, expiring=expiring, review_on=review_on if review else None,
                       link=external_url("netzwerk.agreement", agreement_id=agreement.id))
        if expiring:
            agreement.expiry_reminded_at = now
        if review:
            agreement.review_reminded_at = now
        told += 1
    db.session.flush()
    return told
