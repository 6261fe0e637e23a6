"""A body's meetings as calendar events: the body's name, time, place or link, the agenda and a link
to the meeting page. The chair organizes; the invited people attend with the answer they gave in the
app (RSVP=FALSE: they answer there, not by mail)."""
from lms.ical import Attendee, CalendarEvent, build_calendar, event_uid, organizer
from lms.links import external_url
from lms.netzwerk.models import Meeting, MeetingState, ReplyAnswer

PARTSTAT = {ReplyAnswer.ACCEPTED: "ACCEPTED", ReplyAnswer.DECLINED: "DECLINED", ReplyAnswer.DEPUTY: "DECLINED"}


def meeting_event(meeting: Meeting, *, invited=(), invitation: bool = False, public: bool = False) -> CalendarEvent:
    """One meeting; a cancelled one is CANCELLED. *invitation* adds the organizer and the *invited*;
    *public* (a public body's feed) leaves out the online link, which only the invited get."""
    body, link = meeting.body, external_url("netzwerk.meeting", meeting_id=meeting.id)
    people = {}
    if invitation:
        chair = body.chair
        people = {"organizer": organizer(chair.email if chair else None, chair.name if chair else body.name),
                  "attendees": tuple(Attendee(person.email, person.name,
                                              partstat=PARTSTAT.get(meeting.answer_of(person.id), "NEEDS-ACTION"))
                                     for person in invited)}
    location = " · ".join(part for part in (meeting.place, "" if public else meeting.online_url) if part)
    return CalendarEvent(
        uid=event_uid("meeting", meeting.id), starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        summary=body.name, stamp=meeting.updated_at, last_modified=meeting.updated_at, sequence=meeting.sequence,
        status="CANCELLED" if meeting.state == MeetingState.CANCELLED else "CONFIRMED", location=location,
        description=f"{meeting.agenda_text}\n{link}".strip(), url=link, **people)


def meeting_invitation(meeting: Meeting, invited, method: str) -> str:
    """The iCalendar part of an invitation mail: METHOD:REQUEST adds or moves, METHOD:CANCEL removes."""
    return build_calendar([meeting_event(meeting, invited=invited, invitation=True)], method=method).decode()
