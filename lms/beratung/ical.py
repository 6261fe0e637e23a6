"""Consultations as calendar events: a neutral title, time, format, place or link and the case code.

Never the type, the vignette or any other case detail (DOMAIN.md 2.3 rule 8), in mails and feeds alike.
The "only my consultations" feed is the one people share into a team calendar, so it is barer
still: time and the neutral title (`neutral=True`); place, video link, phone number and case code
stay in the full private feed, the download, the invitation and the booking page.
"""
from lms.beratung.catalogue import FORMAT_LABELS
from lms.beratung.models import Consultation, ConsultationStatus
from lms.i18n import _l
from lms.ical import (
    Attendee,
    CalendarEvent,
    Organizer,
    build_calendar,
    event_uid,
    organizer,
)
from lms.links import external_url

TITLE = _l("Fachberatung – vertraulich")
STATUS = {ConsultationStatus.REQUESTED: "TENTATIVE", ConsultationStatus.DECLINED: "CANCELLED",
          ConsultationStatus.CANCELLED: "CANCELLED"}


def _answer(consultation: Consultation, user) -> str:
    """PARTSTAT of the expert or the booker: who called the booking off (the expert also by
    declining) declined; the expert has yet to answer a request; otherwise both accepted."""
    status, is_expert = consultation.status, user.id == consultation.expert_id
    if (status == ConsultationStatus.CANCELLED and consultation.cancelled_by_id == user.id) or (
            status == ConsultationStatus.DECLINED and is_expert):
        return "DECLINED"
    return "NEEDS-ACTION" if status == ConsultationStatus.REQUESTED and is_expert else "ACCEPTED"


def _people(consultation: Consultation) -> tuple[Organizer, tuple[Attendee, ...]]:
    """The expert organizes (a reply from a mail client reaches her) and chairs; the booker attends,
    having asked for the time. Both decide in the app, so no reply is asked for (RSVP=FALSE)."""
    expert, booker = consultation.expert, consultation.booker
    attendees = [Attendee(expert.email, expert.name, role="CHAIR", partstat=_answer(consultation, expert))]
    if booker is not None:
        attendees.append(Attendee(booker.email, booker.name, partstat=_answer(consultation, booker)))
    return organizer(expert.email, expert.name), tuple(attendees)


def consultation_event(consultation: Consultation, *, invitation: bool = False, neutral: bool = False) -> CalendarEvent:
    """One booking; a requested one is TENTATIVE, a declined or cancelled one CANCELLED.

    *invitation* adds organizer and attendees, which mail clients need for REQUEST and CANCEL;
    *neutral* leaves out everything but the time and the title.
    """
    organizer, attendees = _people(consultation) if invitation else (None, ())
    details = {}
    if not neutral:
        link = external_url("beratung.consultation", consultation_id=consultation.id)
        description = str(_l("Fallcode: %(code)s · Format: %(format)s",
                             code=consultation.case_code, format=FORMAT_LABELS[consultation.format]))
        details = {"location": consultation.location, "description": f"{description}\n{link}", "url": link}
    return CalendarEvent(
        uid=event_uid("consultation", consultation.id), starts_at=consultation.starts_at,
        ends_at=consultation.ends_at, summary=str(TITLE), stamp=consultation.updated_at,
        last_modified=consultation.updated_at, sequence=consultation.sequence,
        status=STATUS.get(consultation.status, "CONFIRMED"), confidential=True, organizer=organizer,
        attendees=attendees, **details,
    )


def invitation(consultation: Consultation, method: str) -> str:
    """The iCalendar part of a booking mail: METHOD:REQUEST adds or moves, METHOD:CANCEL removes."""
    return build_calendar([consultation_event(consultation, invitation=True)], method=method).decode()
