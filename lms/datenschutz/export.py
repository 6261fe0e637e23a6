"""A person's data on request (DSGVO Art. 15 and 20): one ZIP archive with `person.json`, everything
stored about the person in a documented, machine-readable structure (docs/privacy.md), and
`uebersicht.html`, the same as a page to read. Each package exports its own tables; case text only
for the consultations the person booked, read through the audited service."""
import io
import json
import zipfile
from datetime import datetime

from flask import render_template
from flask_babel import format_datetime
from sqlalchemy import or_, select

from lms import audit
from lms.audit import AuditEntry
from lms.auth.models import User
from lms.beratung import privacy as beratung
from lms.datenschutz.rules import PACKAGES
from lms.extensions import db
from lms.i18n import _, _l
from lms.ical import BERLIN
from lms.privacy import rows

FORMAT, VERSION = "lms-person-export", 1

# The readable summary's headings for the JSON's sections and lists (the JSON keeps its English keys).
HEADINGS = {
    "auth": _l("Konto"), "account": _l("Angaben zum Konto"), "roles": _l("Rollen"), "sign_ins": _l("Anmeldungen"),
    "invitations": _l("Einladungen"),
    "module": _l("Qualifizierung"), "enrolments": _l("Anmeldungen zu Angeboten"),
    "enrolment_history": _l("Verlauf der Anmeldungen"), "attendance": _l("Anwesenheit"),
    "admissions": _l("Zulassungen"), "completions": _l("Abschlüsse"), "certificates": _l("Bescheinigungen"),
    "kompetenzen": _l("Kompetenzprofil"), "evidence": _l("Nachweise und Selbsteinschätzungen"),
    "instrumente": _l("Instrumente"), "bookmarks": _l("Merkliste"),
    "beratung": _l("Fachberatung"), "consultations_booked": _l("Gebuchte Beratungen"),
    "consultations_given": _l("Gegebene Beratungen (als Fachkraft)"), "expert_profile": _l("Profil als Fachkraft"),
    "availability": _l("Sprechzeiten"), "absences": _l("Abwesenheiten"),
    "slot_watches": _l("Benachrichtigungen über freie Termine"),
    "netzwerk": _l("Netzwerk"), "institutions": _l("Einrichtungen"), "body_seats": _l("Sitze in Gremien"),
    "meeting_replies": _l("Antworten auf Einladungen zu Sitzungen"),
    "meeting_attendance": _l("Anwesenheit in Sitzungen"), "minutes_remarks": _l("Korrekturen und Ergänzungen"),
    "tasks": _l("Aufgaben"),
    "kalender": _l("Kalender"), "calendar_feeds": _l("Kalender-Abonnements"),
    "notifications": _l("E-Mails"), "mails": _l("E-Mails an Sie"),
    "audit": _l("Protokoll der Verwaltung"), "entries": _l("Einträge"),
}
# ... and for the columns of its tables.
COLUMNS = {
    "id": _l("Nr."), "module": _l("Modul"), "status": _l("Stand"), "created_at": _l("angelegt"),
    "updated_at": _l("geändert"), "at": _l("Zeitpunkt"), "reason": _l("Begründung"), "title": _l("Titel"),
    "first_starts_at": _l("Beginn"), "starts_at": _l("Beginn"), "ends_at": _l("Ende"), "present": _l("anwesend"),
    "recorded_at": _l("erfasst"), "issued_at": _l("ausgestellt"), "revoked_at": _l("widerrufen"),
    "number": _l("Nummer"), "holder_name": _l("Name"), "module_title": _l("Modul"), "subject": _l("Betreff"),
    "sent_at": _l("versandt"), "body": _l("Text"), "level": _l("Stufe"), "comment": _l("Kommentar"),
    "name": _l("Name"), "email": _l("E-Mail-Adresse"), "action": _l("Aktion"), "details": _l("Einzelheiten"),
}


def readable(value):
    """A value of the JSON as the summary shows it: instants in Berlin time, yes/no in words."""
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return format_datetime(datetime.fromisoformat(value), "dd.MM.yyyy, HH:mm")
        except ValueError:
            return value
    return value


def person_data(user: User, *, now: datetime, own: bool) -> dict:
    """Everything stored about *user*, by package (the JSON of the archive). Case text only when *own*
    (she asks herself): it leaves the app to the parties of a consultation alone, never to an admin."""
    data = {"format": FORMAT, "version": VERSION, "created_at": now.isoformat()}
    for package in PACKAGES:
        export = getattr(package, "export", None)
        if export is not None:
            options = {"case_text": own} if package is beratung else {}
            data[package.__name__.split(".")[1]] = export(user, now=now, **options)
    data["audit"] = {"entries": rows(
        select(AuditEntry.at, AuditEntry.action, AuditEntry.actor_id, AuditEntry.subject_user_id, AuditEntry.details)
        .where(or_(AuditEntry.subject_user_id == user.id, AuditEntry.actor_id == user.id))
        .order_by(AuditEntry.at))}
    return data


def archive(actor: User | None, user: User, *, now: datetime) -> bytes:
    """The archive for *user*, requested by *actor* (an admin, the person herself, or None: the command
    line): written to the audit trail, as every export of personal data is."""
    data = person_data(user, now=now, own=actor is not None and actor.id == user.id)
    audit.record(actor, "person.export", now=now, subject=user, about=user)
    db.session.flush()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        archive_file.writestr("person.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        archive_file.writestr("uebersicht.html", render_template("datenschutz/export_summary.html", data=data,
                                                                 headings=HEADINGS, columns=COLUMNS, readable=readable, user=user,
                                                                 now=now))
    return buffer.getvalue()


def filename(user: User, now: datetime) -> str:
    return f"personendaten-{user.id}-{now.astimezone(BERLIN):%Y-%m-%d}.zip"  # the day it is here
