"""Data-protection rules of qualification (see lms/privacy.py). Erasure withdraws the person from what
has not ended (a seat goes to the next in line) and deletes her enrolments with their history and
attendance; completions stay for the statistics, pointing to the tombstone, and issued certificates
stay as the frozen record they are, so that a certificate in someone's hands can still be verified."""
from datetime import datetime

from sqlalchemy import delete, select

from lms.extensions import db
from lms.i18n import _l
from lms.module.models import (
    Admission,
    Attendance,
    Certificate,
    Completion,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    Module,
    Offering,
    OfferingDate,
)
from lms.module.services.seats import _fill_free_seats, _lock_offering, _release_seat
from lms.privacy import Erasure, TableRule, rows

OFFERS, PLACES = _l("Qualifizierungsangebote"), _l("Teilnahme an Qualifizierung")
TEACHING = _l("Referent*innen, Koordination")
_CONTENT = _l("Inhalt des Angebots, ohne Personendaten")
RULES = (
    TableRule("module", OFFERS, _CONTENT, _l("alle"), Erasure.PSEUDONYMISE, _l("unbefristet")),
    TableRule("module_audience", OFFERS, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("module_material", OFFERS, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("module_prerequisite", OFFERS, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("module_trainer", OFFERS, _l("Wer ein Modul lehrt"), _l("alle"), Erasure.PSEUDONYMISE,
              _l("unbefristet")),
    TableRule("offering", OFFERS, _CONTENT, _l("alle"), Erasure.PSEUDONYMISE, _l("unbefristet")),
    TableRule("offering_date", OFFERS, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("offering_trainer", OFFERS, _l("Wer eine Durchführung leitet"), _l("alle"), Erasure.PSEUDONYMISE,
              _l("unbefristet")),
    TableRule("enrolment", PLACES, _l("Anmeldung, Warteliste, Platzvergabe"), TEACHING, Erasure.DELETE,
              _l("solange das Konto besteht")),
    TableRule("enrolment_event", PLACES, _l("Verlauf einer Anmeldung"), TEACHING, Erasure.DELETE,
              _l("nach dem letzten Termin des Angebots"), "RETENTION_HISTORY_DAYS", "purge_history"),
    TableRule("attendance", PLACES, _l("Anwesenheit je Termin, Grundlage der Bescheinigung"), TEACHING,
              Erasure.DELETE, _l("nach dem letzten Termin des Angebots"), "RETENTION_HISTORY_DAYS", "purge_history"),
    TableRule("admission", PLACES, _l("Zulassung ohne Voraussetzungen"), TEACHING, Erasure.DELETE,
              _l("solange das Konto besteht")),
    TableRule("completion", PLACES, _l("Abschluss eines Moduls: Kompetenzprofil und Statistik"),
              _l("die Person, Koordination"), Erasure.PSEUDONYMISE, _l("unbefristet (Qualifizierungsnachweis)")),
    TableRule("certificate", PLACES, _l("Ausgestellte Teilnahmebescheinigung (eingefrorene Angaben)"),
              _l("die Person; wer die Nummer und den Namen kennt, kann sie prüfen"), Erasure.KEEP,
              _l("unbefristet: eine ausgestellte Bescheinigung bleibt prüfbar")),
)


def export(user, *, now: datetime) -> dict:
    enrolments = select(Enrolment.id).where(Enrolment.user_id == user.id)
    return {
        "enrolments": rows(select(Enrolment.id, Module.title.label("module"), Offering.id.label("offering_id"),
                                  Offering.first_starts_at, Enrolment.status, Enrolment.created_at,
                                  Enrolment.updated_at)
                           .join(Offering, Offering.id == Enrolment.offering_id).join(Module, Module.id == Offering.module_id)
                           .where(Enrolment.user_id == user.id).order_by(Enrolment.id)),
        "enrolment_history": rows(select(EnrolmentEvent.enrolment_id, EnrolmentEvent.from_status,
                                         EnrolmentEvent.to_status, EnrolmentEvent.at, EnrolmentEvent.reason)
                                  .where(EnrolmentEvent.enrolment_id.in_(enrolments)).order_by(EnrolmentEvent.id)),
        "attendance": rows(select(Attendance.enrolment_id, OfferingDate.starts_at, Attendance.present,
                                  Attendance.recorded_at).join(OfferingDate, OfferingDate.id == Attendance.date_id)
                           .where(Attendance.enrolment_id.in_(enrolments)).order_by(OfferingDate.starts_at)),
        "admissions": rows(select(Admission.offering_id, Admission.granted_at, Admission.reason)
                           .where(Admission.user_id == user.id)),
        "completions": rows(select(Completion.id, Completion.module_id, Completion.offering_id, Completion.completed_on,
                                   Completion.teaching_units, Completion.dimension, Completion.revoked_at)
                            .where(Completion.user_id == user.id).order_by(Completion.completed_on)),
        "certificates": rows(select(Certificate.number, Certificate.holder_name, Certificate.module_title,
                                    Certificate.dates_text, Certificate.teaching_units, Certificate.issuer,
                                    Certificate.issued_at, Certificate.revoked_at)
                             .where(Certificate.user_id == user.id).order_by(Certificate.issued_at)),
    }


def forget(user, *, now: datetime) -> None:
    held = db.session.scalars(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ENROLLED)).all()
    freed = []
    for enrolment in held:
        offering = enrolment.offering
        if offering.last_ends_at is None or offering.last_ends_at > now:
            _lock_offering(offering)
            _release_seat(offering)
            freed.append(offering)
    db.session.execute(delete(Admission).where(Admission.user_id == user.id))
    db.session.execute(delete(Enrolment).where(Enrolment.user_id == user.id))  # history and attendance with it
    db.session.flush()
    for offering in freed:
        _fill_free_seats(offering, now=now)
