"""Data-protection rules of the network directory, agreements and bodies (see lms/privacy.py). What the
network decided and recorded (minutes, attendance, tasks, agreements) is the network's record and
stays with the person replaced by the tombstone; her memberships end, and the entries she kept fall
back to the region's other keepers (no owner)."""
from datetime import datetime

from sqlalchemy import delete, select, update

from lms.extensions import db
from lms.i18n import _l
from lms.netzwerk.models import (
    BindingContact,
    Body,
    BodyMember,
    EmergencyNumber,
    Institution,
    Meeting,
    MeetingAttendance,
    MeetingReply,
    MinutesRemark,
    Task,
    institution_member,
)
from lms.privacy import Erasure, TableRule, rows

DIRECTORY, BODIES, AGREEMENTS = _l("Netzwerkverzeichnis"), _l("Gremien und Sitzungen"), _l("Kooperationsvereinbarungen")
_PUBLIC = _l("je nach Sichtbarkeit des Eintrags")
_MEMBERS = _l("Mitglieder des Gremiums")
_RECORD = _l("unbefristet (Unterlagen des Netzwerks)")
RULES = (
    TableRule("institution", DIRECTORY, _l("Einrichtungen und wer sie pflegt"), _PUBLIC, Erasure.PSEUDONYMISE,
              _l("solange die Einrichtung besteht")),
    TableRule("institution_region", DIRECTORY, _l("Regionen einer Einrichtung"), _PUBLIC, Erasure.NONE,
              _l("solange die Einrichtung besteht")),
    TableRule("institution_member", DIRECTORY, _l("Zugehörigkeit zu einer Einrichtung"), _PUBLIC, Erasure.DELETE,
              _l("solange die Person dort arbeitet")),
    TableRule("institution_proposal", DIRECTORY, _l("Änderungsvorschläge zu Einträgen"), _l("Koordination"),
              Erasure.PSEUDONYMISE, _l("unbefristet")),
    TableRule("binding_contact", DIRECTORY, _l("Verbindliche Ansprechpersonen (dienstliche Angaben)"), _PUBLIC,
              Erasure.PSEUDONYMISE, _l("bis zur Änderung; regelmäßig zu bestätigen")),
    TableRule("emergency_number", DIRECTORY, _l("Notrufnummern"), _l("alle"), Erasure.PSEUDONYMISE,
              _l("bis zur Änderung; regelmäßig zu bestätigen")),
    TableRule("emergency_window", DIRECTORY, _l("Erreichbarkeit der Notrufnummern"), _l("alle"), Erasure.NONE,
              _l("bis zur Änderung")),
    TableRule("agreement", AGREEMENTS, _l("Vereinbarungen und wer sie verantwortet"), _l("Koordination, Partner"),
              Erasure.PSEUDONYMISE, _RECORD),
    TableRule("agreement_party", AGREEMENTS, _l("Vertragspartner"), _l("Koordination, Partner"), Erasure.NONE,
              _RECORD),
    TableRule("agreement_version", AGREEMENTS, _l("Fassungen und wer sie schrieb"), _l("Koordination, Partner"),
              Erasure.PSEUDONYMISE, _RECORD),
    TableRule("agreement_file", AGREEMENTS, _l("Unterschriebene Fassungen"), _l("Koordination, Partner"),
              Erasure.PSEUDONYMISE, _RECORD),
    TableRule("body", BODIES, _l("Gremien und ihr Vorsitz"), _PUBLIC, Erasure.PSEUDONYMISE, _RECORD),
    TableRule("body_member", BODIES, _l("Sitze in Gremien"), _MEMBERS, Erasure.DELETE,
              _l("solange die Mitgliedschaft besteht")),
    TableRule("meeting", BODIES, _l("Sitzungen"), _MEMBERS, Erasure.NONE, _RECORD),
    TableRule("meeting_reply", BODIES, _l("Zu- und Absagen zu Sitzungen"), _MEMBERS, Erasure.PSEUDONYMISE, _RECORD),
    TableRule("agenda_item", BODIES, _l("Tagesordnung"), _MEMBERS, Erasure.NONE, _RECORD),
    TableRule("meeting_attendance", BODIES, _l("Anwesenheit in Sitzungen (Protokoll)"), _MEMBERS,
              Erasure.PSEUDONYMISE, _RECORD),
    TableRule("minutes", BODIES, _l("Protokolle und wer sie genehmigte"), _MEMBERS, Erasure.PSEUDONYMISE, _RECORD),
    TableRule("minutes_remark", BODIES, _l("Korrekturen und Ergänzungen zu Protokollen"), _MEMBERS,
              Erasure.PSEUDONYMISE, _RECORD),
    TableRule("decision", BODIES, _l("Beschlüsse"), _PUBLIC, Erasure.NONE, _RECORD),
    TableRule("task", BODIES, _l("Aufgaben aus Sitzungen"), _MEMBERS, Erasure.PSEUDONYMISE, _RECORD),
)


def export(user, *, now: datetime) -> dict:
    return {
        "institutions": rows(select(Institution.id, Institution.name)
                             .join(institution_member, institution_member.c.institution_id == Institution.id)
                             .where(institution_member.c.user_id == user.id)),
        "body_seats": rows(select(Body.name.label("body"), BodyMember.institution_id,
                                  (BodyMember.person_id == user.id).label("personal"),
                                  (BodyMember.delegate_id == user.id).label("delegate"),
                                  (BodyMember.deputy_id == user.id).label("deputy"))
                           .join(Body, Body.id == BodyMember.body_id)
                           .where((BodyMember.person_id == user.id) | (BodyMember.delegate_id == user.id)
                                  | (BodyMember.deputy_id == user.id))),
        "meeting_replies": rows(select(Body.name.label("body"), Meeting.starts_at, MeetingReply.answer,
                                       MeetingReply.answered_at)
                                .join(Meeting, Meeting.id == MeetingReply.meeting_id).join(Body, Body.id == Meeting.body_id)
                                .where(MeetingReply.user_id == user.id).order_by(Meeting.starts_at)),
        "meeting_attendance": rows(select(Body.name.label("body"), Meeting.starts_at, MeetingAttendance.recorded_at)
                                   .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
                                   .join(Body, Body.id == Meeting.body_id)
                                   .where(MeetingAttendance.user_id == user.id).order_by(Meeting.starts_at)),
        "minutes_remarks": rows(select(MinutesRemark.meeting_id, MinutesRemark.kind, MinutesRemark.text,
                                       MinutesRemark.created_at).where(MinutesRemark.author_id == user.id)),
        "tasks": rows(select(Task.title, Task.due_on, Task.state, Task.done_at).where(Task.owner_id == user.id)),
    }


def forget(user, *, now: datetime) -> None:
    db.session.execute(delete(institution_member).where(institution_member.c.user_id == user.id))
    db.session.execute(delete(BodyMember).where(BodyMember.person_id == user.id))
    for column in (BodyMember.delegate_id, BodyMember.deputy_id):
        db.session.execute(update(BodyMember).where(column == user.id).values({column.key: None}))
    for model in (Institution, BindingContact, EmergencyNumber):
        db.session.execute(update(model).where(model.owner_id == user.id).values(owner_id=None))
