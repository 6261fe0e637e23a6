"""Data-protection rules of expert consultation (see lms/privacy.py). A person's own export holds the
case text of the consultations she booked (read through the audited service), and of those she gave
as an expert only the metadata: the vignette is the booker's. Erasure deletes the expert's profile and
calendar, erases the case content of the person's own bookings (their data key goes) and keeps every
consultation's metadata for the statistics, pointing to the tombstone."""
from datetime import datetime

from sqlalchemy import delete, select

from lms.beratung.models import Absence, AvailabilityWindow, Consultation, ExpertProfile, SlotWatch
from lms.beratung.services.cases import erase_case, read_case
from lms.extensions import db
from lms.i18n import _l
from lms.privacy import Erasure, TableRule, plain, rows

EXPERTS, CASES = _l("Fachberatung: Fachkräfte"), _l("Fachberatung: Buchungen und Falldaten")
RULES = (
    TableRule("expert_profile", EXPERTS, _l("Angebot der Fachkraft"), _l("alle Angemeldeten"), Erasure.DELETE,
              _l("solange die Fachkraft berät")),
    TableRule("expert_attribute", EXPERTS, _l("Beratungsarten, Formate, Sektoren der Fachkraft"),
              _l("alle Angemeldeten"), Erasure.DELETE, _l("solange die Fachkraft berät")),
    TableRule("availability_window", EXPERTS, _l("Sprechzeiten"), _l("alle Angemeldeten"), Erasure.DELETE,
              _l("solange die Fachkraft berät")),
    TableRule("absence", EXPERTS, _l("Abwesenheiten"), _l("niemand (nur freie Zeiten werden gezeigt)"),
              Erasure.DELETE, _l("solange die Fachkraft berät")),
    TableRule("consultation", CASES, _l("Termin, Art, Format und Stand einer Beratung (pseudonym)"),
              _l("Buchende und Fachkraft; Statistik ab fünf Fällen"), Erasure.PSEUDONYMISE,
              _l("unbefristet, ohne Falldaten")),
    TableRule("case_content", CASES, _l("Falldaten (verschlüsselt): Alter, Sorge, Vignette, Ergebnis, Begründung"),
              _l("nur Buchende und Fachkraft"), Erasure.DELETE, _l("nach der Beratung"),
              "CONSULTATION_RETENTION_DAYS", "erase_case_content"),
    TableRule("case_key", CASES, _l("Schlüssel der Falldaten"), _l("niemand"), Erasure.DELETE,
              _l("mit den Falldaten"), "CONSULTATION_RETENTION_DAYS", "erase_case_content"),
    TableRule("case_access", CASES, _l("Zugriffsprotokoll der Falldaten"), _l("Administration, Datenschutz"),
              Erasure.KEEP, _l("eigene Frist"), "RETENTION_CASE_ACCESS_DAYS", "purge_case_access"),
    TableRule("slot_watch", CASES, _l("Wunsch, über freie Termine benachrichtigt zu werden"), _l("niemand"),
              Erasure.DELETE, _l("bis zur Benachrichtigung")),
)

_METADATA = (Consultation.id, Consultation.case_code, Consultation.type_code, Consultation.format,
             Consultation.starts_at, Consultation.ends_at, Consultation.status, Consultation.created_at,
             Consultation.case_erased_at)


def _case_text(user, consultation: Consultation, *, now: datetime) -> dict | None:
    case = read_case(user, consultation, now=now)
    if case.content is None:
        return None
    content = case.content
    return {"age_band": content.age_band, "concern": content.concern, "setting": content.setting,
            "urgency": content.urgency, "vignette": content.vignette, "reason": consultation.decision_reason}


def export(user, *, now: datetime, case_text: bool = True) -> dict:
    """*case_text*: include the case content of her own bookings (only in the archive she downloads
    herself: case text leaves the app to its parties alone, so an admin's archive holds none)."""
    booked = db.session.scalars(select(Consultation).where(Consultation.booker_id == user.id)
                                .order_by(Consultation.starts_at)).all()
    profile = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))
    return {
        "consultations_booked": [
            {**{column.key: plain(getattr(consultation, column.key)) for column in _METADATA},
             "expert": consultation.expert.name,
             "case": _case_text(user, consultation, now=now) if case_text else None}
            for consultation in booked],
        "consultations_given": rows(select(*_METADATA).where(Consultation.expert_id == user.id)
                                    .order_by(Consultation.starts_at)),
        "expert_profile": None if profile is None else {
            "introduction": profile.introduction, "specialisations": profile.specialisations,
            "languages": profile.languages, "place": profile.place, "phone": profile.phone,
            "video_link": profile.video_link, "published": profile.published},
        "availability": rows(select(AvailabilityWindow.weekday, AvailabilityWindow.day,
                                    AvailabilityWindow.start_time, AvailabilityWindow.end_time)
                             .where(AvailabilityWindow.expert_id == user.id)),
        "absences": rows(select(Absence.first_day, Absence.last_day, Absence.note).where(Absence.expert_id == user.id)),
        "slot_watches": rows(select(SlotWatch.expert_id, SlotWatch.created_at, SlotWatch.notified_at)
                             .where(SlotWatch.booker_id == user.id)),
    }


def forget(user, *, now: datetime) -> None:
    for consultation in db.session.scalars(select(Consultation).where(
            Consultation.booker_id == user.id, Consultation.case_erased_at.is_(None))).all():
        erase_case(consultation, now=now)
    db.session.execute(delete(SlotWatch).where((SlotWatch.booker_id == user.id) | (SlotWatch.expert_id == user.id)))
    db.session.execute(delete(AvailabilityWindow).where(AvailabilityWindow.expert_id == user.id))
    db.session.execute(delete(Absence).where(Absence.expert_id == user.id))
    db.session.execute(delete(ExpertProfile).where(ExpertProfile.user_id == user.id))
