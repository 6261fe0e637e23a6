"""The rules for a body's meetings (Sitzungen): planning, changing and cancelling them with an
invitation to everyone who sits in the body, and the invited people's replies.

Whoever keeps the body plans its meetings. The invited are the people of its seats: single persons,
and each institution's delegate and deputy. Each gets a mail with an iTIP invitation (METHOD:REQUEST)
for a meeting that has not ended; a change sends it again with a higher SEQUENCE, a cancellation
sends METHOD:CANCEL. Replies are given on the meeting's page ("nehme teil", "nehme nicht teil",
"meine Vertretung nimmt teil"), by the invited only, until the meeting is over.

A series ("wöchentlich", "alle zwei Wochen", "monatlich am gleichen Wochentag", 2 to 12 dates) is
planned as that many single meetings at the same Berlin wall-clock time, linked by `series_id`: each
has its own invitation, agenda, minutes and calendar entry, so one of them is moved or cancelled
alone. A monthly date is the same weekday in the same week of the month (the 2nd Tuesday); where a
month has no 5th one, the last.

The agenda is a list of items (title, presenter, a document from the library). The planning form
takes the first items one per line; the keepers add and remove items on the meeting's page until
its minutes are approved. Changing the agenda sends no new invitation: the calendar entry is the same.
"""
import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from lms.auth.models import User
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.ical import BERLIN, from_berlin
from lms.instrumente.models import Instrument
from lms.instrumente.services.files import Upload, store_upload
from lms.links import external_url
from lms.locks import lock_row
from lms.netzwerk.ical import meeting_invitation
from lms.netzwerk.models import AgendaItem, Meeting, MeetingReply, MeetingState, ReplyAnswer
from lms.netzwerk.services import FieldRefused
from lms.notifications.services import queue_mail


@dataclass
class MeetingInput:
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    online_url: str = ""
    agenda: str = ""


def invited(meeting: Meeting) -> list[User]:
    """Everyone who sits in the meeting's body, once each, active accounts only."""
    people: dict[int, User] = {}
    for seat in meeting.body.members:
        for person in (seat.person, seat.delegate, seat.deputy):
            if person is not None and person.active:
                people.setdefault(person.id, person)
    return sorted(people.values(), key=lambda person: (person.name, person.id))


def _checked(data: MeetingInput) -> None:
    if data.ends_at <= data.starts_at:
        raise FieldRefused(_l("Das Ende liegt vor dem Beginn: Bitte prüfen Sie die Uhrzeiten."), "end_time")
    if not data.place.strip() and not data.online_url.strip():
        raise FieldRefused(_l("Bitte geben Sie einen Ort oder einen Link zur Online-Sitzung an."), "place")
    if data.online_url.strip() and not data.online_url.strip().startswith("https://"):
        raise FieldRefused(_l("Bitte geben Sie den Link vollständig mit https:// an."), "online_url")


def _invite(meeting: Meeting, method: str, *, now: datetime, changed: bool = False) -> None:
    if meeting.ends_at <= now:
        return  # nothing to put into a calendar any more
    people = invited(meeting)
    calendar = meeting_invitation(meeting, people, method)
    template = "netzwerk/meeting_cancelled" if method == "CANCEL" else "netzwerk/meeting_invitation"
    for person in people:
        queue_mail(recipient=person.email, template=template, locale=person.locale, now=now, user=person,
                   meeting=meeting, changed=changed, link=external_url("netzwerk.meeting", meeting_id=meeting.id),
                   calendar=calendar, calendar_method=method)


def _apply(meeting: Meeting, data: MeetingInput, now: datetime) -> None:
    meeting.starts_at, meeting.ends_at = data.starts_at, data.ends_at
    meeting.place, meeting.online_url = data.place.strip()[:300], data.online_url.strip()[:500]
    meeting.updated_at = now


LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s*")


def agenda_lines(text: str) -> list[str]:
    """The items of a typed agenda: one per non-empty line, list markers ("1.", "-") dropped."""
    return [title[:200] for title in (LIST_MARKER.sub("", line).strip() for line in text.splitlines()) if title]


class Repeat(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"  # the same weekday in the same week of the month


REPEAT_LABELS = {
    Repeat.WEEKLY: _l("wöchentlich"),
    Repeat.BIWEEKLY: _l("alle zwei Wochen"),
    Repeat.MONTHLY: _l("monatlich am gleichen Wochentag (z. B. jeden 2. Dienstag)"),
}
MAX_SERIES = 12


def series_days(first: date, repeat: str, count: int) -> list[date]:
    """The Berlin days of a series starting on *first*."""
    if repeat in (Repeat.WEEKLY, Repeat.BIWEEKLY):
        step = 7 if repeat == Repeat.WEEKLY else 14
        return [first + timedelta(days=step * index) for index in range(count)]
    week = (first.day - 1) // 7  # 0 for the first such weekday of the month
    days = []
    for index in range(count):
        year, month = divmod(first.month - 1 + index, 12)
        year, month = first.year + year, month + 1
        offset = (first.weekday() - date(year, month, 1).weekday()) % 7
        day = 1 + offset + 7 * week
        days.append(date(year, month, day if day <= calendar.monthrange(year, month)[1] else day - 7))
    return days


def plan_series(actor: User, body, data: MeetingInput, repeat: str, count: int, *, now: datetime) -> list[Meeting]:
    """*count* meetings, the first as *data* says, the others at the same Berlin time on the series' days."""
    if repeat not in tuple(Repeat):
        raise FieldRefused(_l("Bitte wählen Sie, wie sich die Sitzung wiederholt."), "repeat")
    if not 2 <= count <= MAX_SERIES:
        raise FieldRefused(_l("Eine Reihe hat 2 bis %(max)d Termine.", max=MAX_SERIES), "count")
    starts, ends = data.starts_at.astimezone(BERLIN), data.ends_at.astimezone(BERLIN)
    planned = []
    for day in series_days(starts.date(), repeat, count):
        meeting = plan_meeting(actor, body, replace(data, starts_at=from_berlin(day, starts.time()),
                                                    ends_at=from_berlin(day + (ends.date() - starts.date()),
                                                                        ends.time())), now=now)
        meeting.series_id = planned[0].id if planned else meeting.id
        planned.append(meeting)
    db.session.flush()
    return planned


def plan_meeting(actor: User, body, data: MeetingInput, *, now: datetime) -> Meeting:
    if not body.can_edit(actor):
        raise PermissionDenied()
    _checked(data)
    meeting = Meeting(body_id=body.id, created_at=now, state=MeetingState.PLANNED, sequence=0)
    _apply(meeting, data, now)
    meeting.items = [AgendaItem(position=position, title=title)
                     for position, title in enumerate(agenda_lines(data.agenda), start=1)]
    db.session.add(meeting)
    db.session.flush()
    db.session.refresh(meeting, attribute_names=["body"])
    _invite(meeting, "REQUEST", now=now)
    return meeting


def change_meeting(actor: User, meeting: Meeting, data: MeetingInput, *, now: datetime) -> None:
    """Move or change it; everyone invited gets the new invitation (the old one is replaced)."""
    if not meeting.can_edit(actor):
        raise PermissionDenied()
    lock_row(Meeting, meeting.id)
    db.session.refresh(meeting)
    if meeting.state == MeetingState.CANCELLED:
        raise Conflict(_l("Die Sitzung ist abgesagt und wird nicht mehr geändert."))
    _checked(data)
    _apply(meeting, data, now)
    meeting.sequence += 1
    db.session.flush()
    _invite(meeting, "REQUEST", now=now, changed=True)


def cancel_meeting(actor: User, meeting: Meeting, *, now: datetime) -> None:
    if not meeting.can_edit(actor):
        raise PermissionDenied()
    lock_row(Meeting, meeting.id)
    db.session.refresh(meeting)
    if meeting.state == MeetingState.CANCELLED:
        raise Conflict(_l("Die Sitzung ist schon abgesagt."))
    meeting.state, meeting.updated_at = MeetingState.CANCELLED, now
    meeting.sequence += 1
    db.session.flush()
    _invite(meeting, "CANCEL", now=now)


def may_reply(user, meeting: Meeting) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and any(person.id == user.id for person in invited(meeting))


def reply(actor: User, meeting: Meeting, answer: str, *, now: datetime) -> MeetingReply:
    """The invited person's answer; a later one replaces it. A delegate's "meine Vertretung nimmt teil"
    only where a deputy is named."""
    if not may_reply(actor, meeting):
        raise PermissionDenied()
    if answer not in tuple(ReplyAnswer):
        raise FieldRefused(_l("Bitte wählen Sie eine der Antworten."), "answer")
    if meeting.state == MeetingState.CANCELLED or meeting.ends_at <= now:
        raise Conflict(_l("Auf eine abgesagte oder vergangene Sitzung wird nicht mehr geantwortet."))
    if answer == ReplyAnswer.DEPUTY and not any(seat.delegate_id == actor.id and seat.deputy_id
                                                for seat in meeting.body.members):
        raise FieldRefused(_l("Eine Vertretung ist für Sie nicht eingetragen."), "answer")
    lock_row(Meeting, meeting.id)  # two answers at once (two tabs): the later replaces the first
    existing = db.session.scalar(select(MeetingReply).where(MeetingReply.meeting_id == meeting.id,
                                                            MeetingReply.user_id == actor.id)
                                 .execution_options(populate_existing=True))
    if existing is None:
        existing = MeetingReply(meeting_id=meeting.id, user_id=actor.id, answer=answer, answered_at=now)
        db.session.add(existing)
    existing.answer, existing.answered_at = answer, now
    db.session.flush()
    db.session.expire(meeting, ["replies"])
    return existing


def _agenda_open(actor: User, meeting: Meeting) -> None:
    if not meeting.can_edit(actor):
        raise PermissionDenied()
    lock_row(Meeting, meeting.id)
    db.session.refresh(meeting, attribute_names=["minutes", "items"])
    if meeting.minutes is not None and meeting.minutes.frozen:
        raise Conflict(_l("Das Protokoll ist genehmigt: Die Tagesordnung wird nicht mehr geändert."))


def instrument_of(reference: str) -> Instrument | None:
    """The published instrument a keeper names by its number or its address ("/instrumente/17")."""
    found = re.search(r"(\d+)/?$", reference.strip())
    instrument = db.session.get(Instrument, int(found.group(1))) if found else None
    return instrument if instrument is not None and instrument.is_listed else None


def add_item(actor: User, meeting: Meeting, *, title: str, presenter: str = "", document: str = "",
             upload: Upload | None = None) -> AgendaItem:
    """A further item at the end of the agenda, with an optional document from the library and an
    optional uploaded file (checked and stored as the library's uploads are)."""
    _agenda_open(actor, meeting)
    if not title.strip():
        raise FieldRefused(_l("Bitte geben Sie den Titel des Tagesordnungspunkts an."), "title")
    instrument = instrument_of(document) if document.strip() else None
    if document.strip() and instrument is None:
        raise FieldRefused(_l("In der Bibliothek gibt es kein veröffentlichtes Instrument mit dieser Nummer oder "
                              "Adresse."), "document")
    stored, filename = store_upload(upload) if upload is not None else (None, None)
    item = AgendaItem(meeting_id=meeting.id, title=title.strip()[:200], presenter=presenter.strip()[:200],
                      instrument_id=instrument.id if instrument else None,
                      file_sha256=stored.sha256 if stored else None, filename=filename,
                      position=max((existing.position for existing in meeting.items), default=0) + 1)
    db.session.add(item)
    db.session.flush()
    db.session.expire(meeting, ["items"])
    return item


def remove_item(actor: User, item: AgendaItem) -> None:
    """Remove it; the items after it move up, so the numbers stay 1, 2, 3."""
    meeting = item.meeting
    _agenda_open(actor, meeting)
    db.session.delete(item)
    for position, kept in enumerate((kept for kept in meeting.items if kept.id != item.id), start=1):
        kept.position = position
    db.session.flush()
    db.session.expire(meeting, ["items"])
