"""Consultations as calendar events: a neutral title, time, format, place or link and the case code.

Never the type, the vignette or any other case detail (DOMAIN.md 2.3 rule 8), in mails and feeds alike.
"""
from email.utils import parseaddr

from flask import current_app

from lms.beratung.catalogue import FORMAT_LABELS
from lms.beratung.models import Consultation, ConsultationStatus
from lms.i18n import _l
from lms.ical import CalendarEvent, build_calendar
from lms.links import external_url

TITLE = _l("Fachberatung – vertraulich")


def consultation_event(consultation: Consultation, *, invitation: bool = False) -> CalendarEvent:
    """One booking; a requested one is TENTATIVE, a declined or cancelled one CANCELLED.

    *invitation* adds organizer and attendees, which mail clients need for REQUEST and CANCEL.
    """
    link = external_url("beratung.consultation", consultation_id=consultation.id)
    status = {ConsultationStatus.REQUESTED: "TENTATIVE", ConsultationStatus.DECLINED: "CANCELLED",
              ConsultationStatus.CANCELLED: "CANCELLED"}.get(consultation.status, "CONFIRMED")
    description = str(_l("Fallcode: %(code)s · Format: %(format)s",
                         code=consultation.case_code, format=FORMAT_LABELS[consultation.format]))
    people = tuple(user.email for user in (consultation.expert, consultation.booker) if user is not None)
    return CalendarEvent(
        uid=f"consultation-{consultation.id}@{link.split('/')[2]}", starts_at=consultation.starts_at,
        ends_at=consultation.ends_at, summary=str(TITLE), stamp=consultation.updated_at,
        last_modified=consultation.updated_at, location=consultation.location,
        description=f"{description}\n{link}", url=link, sequence=consultation.sequence, status=status,
        confidential=True,
        organizer=parseaddr(current_app.config["MAIL_SENDER"])[1] if invitation else "",
        attendees=people if invitation else (),
    )


def invitation(consultation: Consultation, method: str) -> str:
    """The iCalendar part of a booking mail: METHOD:REQUEST adds or moves, METHOD:CANCEL removes."""
    return build_calendar([consultation_event(consultation, invitation=True)], method=method).decode()

