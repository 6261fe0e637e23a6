"""Demo emergency numbers, institutions, cooperation agreements and bodies for the four Saxon project
sites: invented, obviously fictitious names and numbers (0351 000…, example.org), realistic hours.
Creating them twice changes nothing."""
from datetime import datetime, time, timedelta

from sqlalchemy import select

from lms.auth.demo import create_demo_user
from lms.auth.models import Region, Role
from lms.auth.queries import users_query
from lms.auth.services import find_user_by_email
from lms.extensions import db
from lms.ical import BERLIN, from_berlin
from lms.instrumente.models import Kind
from lms.instrumente.queries import published_of_kind
from lms.netzwerk import minutes
from lms.netzwerk.agreements import AgreementInput, move, record_signatures, save_agreement
from lms.netzwerk.bodies import BodyInput, add_institution, save_body
from lms.netzwerk.directory import ContactInput, InstitutionInput, save_contact, save_institution
from lms.netzwerk.hours import parse
from lms.netzwerk.meetings import MeetingInput, invited, plan_meeting
from lms.netzwerk.models import (
    Agreement,
    AgreementState,
    Body,
    EmergencyKind,
    EmergencyNumber,
    EmergencyWindow,
    Institution,
    MinutesState,
    TaskState,
)
from lms.netzwerk.proposals import ProposalInput, propose

OFFICE = "Mo–Do 08:00–16:00\nFr 08:00–13:00"
OUTSIDE = "Mo–Do 00:00–08:00\nMo–Do 16:00–24:00\nFr 00:00–08:00\nFr 13:00–24:00\nSa, So 00:00–24:00"
# (region, area code): each site gets the same kinds of number, with its own invented digits.
SITES = (("Dresden", "0351"), ("Leipzig", "0341"), ("Landkreis Leipzig", "03433"), ("Vogtlandkreis", "03741"))


def _numbers(code: str, region: str) -> list[tuple]:
    """(kind, name, phone, hours or None for round the clock, note, age in days of the confirmation)."""
    return [
        (EmergencyKind.YOUTH_OFFICE, f"Jugendamt {region}, Allgemeiner Sozialer Dienst", f"{code} 000 1100", OFFICE,
         "Meldungen nach § 8a SGB VIII während der Dienstzeit.", 20),
        (EmergencyKind.YOUTH_OFFICE, f"Bereitschaftsdienst des Jugendamts {region}", f"{code} 000 1199", OUTSIDE,
         "Außerhalb der Dienstzeit, auch an Feiertagen.", 40),
        (EmergencyKind.MEDICAL_HOTLINE, "Medizinische Kinderschutzhotline (Demo)", "0800 000 1919", None,
         "Für Ärzt*innen, Pflege und Therapie: Beratung durch Kinderschutzmediziner*innen.", 100),
        (EmergencyKind.POLICE, f"Polizeirevier {region}, Opferschutz", f"{code} 000 2200", None, "", 210),
        (EmergencyKind.CRISIS, f"Kinder- und Jugendnotdienst {region}", f"{code} 000 3300", None,
         "Inobhutnahme und Zuflucht für Kinder und Jugendliche.", 60),
    ]


def seed(*, now: datetime) -> list:
    owner = find_user_by_email("koordination@example.org") or find_user_by_email("admin@example.org")
    regions = {region.name: region for region in db.session.scalars(select(Region))}
    for region_name, code in SITES:
        region = regions.get(region_name)
        if region is None or db.session.scalar(select(EmergencyNumber.id).where(EmergencyNumber.region_id == region.id)):
            continue
        for kind, name, phone, hours, note, age in _numbers(code, region_name):
            confirmed = now - timedelta(days=age)
            db.session.add(EmergencyNumber(
                region_id=region.id, kind=kind, name=name, phone=phone, note=note, always=hours is None,
                owner_id=owner.id if owner else None, confirmed_at=confirmed, created_at=confirmed,
                updated_at=confirmed, reminded_at=now - timedelta(days=20) if age > 183 else None,
                window_rows=[EmergencyWindow(weekday=w.weekday, starts=w.starts, ends=w.ends)
                             for w in parse(hours or "")]))
    db.session.flush()
    return []


# (kind, sector, name pattern, what it offers): twelve institutions per site, every sector but "other".
INSTITUTIONS = (
    ("youth_office", "youth_welfare", "Jugendamt {site}, Allgemeiner Sozialer Dienst",
     "Schutzauftrag nach § 8a SGB VIII, Hilfen zur Erziehung, Inobhutnahme."),
    ("kita", "youth_welfare", "Kita Regenbogen {site}", "Kinderschutzkonzept, insoweit erfahrene Fachkraft im Träger."),
    ("kita", "youth_welfare", "Kita Sonnenschein {site}", "Frühe Bildung, Elternarbeit, Kinderschutzfachkraft."),
    ("school", "education", "Grundschule am Park {site}", "Schulsozialarbeit, Ansprechperson Schule–Jugendhilfe."),
    ("school", "education", "Oberschule {site}-Mitte", "Schulsozialarbeit und Beratungslehrkräfte."),
    ("counselling", "counselling", "Erziehungs- und Familienberatung {site}",
     "Beratung für Eltern, Kinder und Fachkräfte; insoweit erfahrene Fachkräfte."),
    ("medical", "health", "Klinikum {site}, Kinderschutzgruppe", "Medizinische Diagnostik und Kinderschutzgruppe."),
    ("medical", "health", "Kinderarztpraxis Dr. Beispiel, {site}", "Früherkennung, Vorsorge, Kooperation nach § 4 KKG."),
    ("police", "police", "Polizeirevier {site}, Opferschutz", "Opferschutz und Prävention."),
    ("court", "justice", "Amtsgericht {site}, Familiengericht", "Verfahren nach § 1666 BGB, frühe Termine."),
    ("early_support", "early_support", "Netzwerk Frühe Hilfen {site}", "Familienhebammen, Lotsendienst, Elterncafés."),
    ("counselling", "disability", "Frühförderstelle {site}",
     "Interdisziplinäre Frühförderung, Beratung von Familien mit Kindern mit Behinderung."),
)


def seed_directory(*, now: datetime) -> list:
    """The institutions of the four sites with a binding contact each, one of them unconfirmed; the demo
    partner as a member of her Kita with a proposal (idempotent)."""
    admin = find_user_by_email("admin@example.org")
    if admin is None or db.session.scalar(select(Institution.id).limit(1)):
        return []
    regions = {region.name: region for region in db.session.scalars(select(Region))}
    for site, code in SITES:
        if site not in regions:
            continue
        for number, (kind, sector, pattern, offer) in enumerate(INSTITUTIONS, start=1):
            institution = save_institution(admin, None, InstitutionInput(
                name=pattern.format(site=site), sector=sector, kind=kind, region_ids=[regions[site].id],
                address=f"Beispielstraße {number}, {site}", opening_hours="Mo–Fr 8–16 Uhr",
                website="https://example.org/", description=offer), now=now)
            contact = save_contact(admin, institution, None, ContactInput(
                topic="Kinderschutzfachkraft nach § 8a" if sector == "youth_welfare" else "Ansprechperson Kinderschutz",
                name=f"Ansprechperson {number}", deputy=f"Vertretung {number}", phone=f"{code} 000 4{number:03d}",
                mailbox=f"kinderschutz{number}@example.org", reachability="Mo–Fr 8–16 Uhr"), now=now)
            if number == 4:  # one stale contact per site: asked three weeks ago, now "nicht bestätigt"
                contact.confirmed_at, contact.reminded_at = now - timedelta(days=220), now - timedelta(days=21)
    _seed_member_with_proposal(now)
    return []


def _seed_member_with_proposal(now: datetime) -> None:
    """The demo partner belongs to her Kita and has proposed new opening hours."""
    partner = find_user_by_email("partner@example.org")
    kita = db.session.scalar(select(Institution).where(Institution.name == "Kita Sonnenschein Landkreis Leipzig"))
    if partner is None or kita is None:
        return
    kita.members.append(partner)
    propose(partner, kita, ProposalInput(
        name=kita.name, address=kita.address, opening_hours="Mo–Fr 6:30–17 Uhr", website=kita.website,
        description=kita.description, note="Seit Oktober haben wir länger geöffnet."), now=now)


# (title, party names, state, started days ago, runs for days, review months): three per site.
AGREEMENTS = (
    ("Vereinbarung zum Schutzauftrag nach § 8a SGB VIII mit den Kitas",
     ("Jugendamt {site}, Allgemeiner Sozialer Dienst", "Kita Regenbogen {site}", "Kita Sonnenschein {site}"),
     AgreementState.SIGNED, 640, 700, 24),
    ("Kooperation Schule – Jugendhilfe",
     ("Jugendamt {site}, Allgemeiner Sozialer Dienst", "Grundschule am Park {site}", "Oberschule {site}-Mitte"),
     AgreementState.CONSULTATION, None, None, 12),
    ("Zusammenarbeit mit der Kinderschutzgruppe des Klinikums",
     ("Jugendamt {site}, Allgemeiner Sozialer Dienst", "Klinikum {site}, Kinderschutzgruppe"),
     AgreementState.DRAFT, None, None, None),
)
SUBJECT = """**Ziel:** Kinder in {site} werden früh und verlässlich geschützt.

- Bei gewichtigen Anhaltspunkten nach § 8a SGB VIII zieht der Träger eine insoweit erfahrene Fachkraft hinzu.
- Die Meldung an das Jugendamt erfolgt mit dem vereinbarten Meldebogen, außerhalb der Dienstzeit über den
  Bereitschaftsdienst.
- Das Jugendamt gibt innerhalb von drei Werktagen eine Rückmeldung, soweit der Datenschutz es erlaubt.
- Die Partner treffen sich einmal im Jahr zur Auswertung."""


def seed_agreements(*, now: datetime) -> list:
    """Per site one signed agreement (ending within the notice period), one in Abstimmung with one
    signature, one draft; kept by the site's coordinator (idempotent)."""
    admin = find_user_by_email("admin@example.org")
    if admin is None or db.session.scalar(select(Agreement.id).limit(1)):
        return []
    institutions = {institution.name: institution.id for institution in db.session.scalars(select(Institution))}
    regions = {region.name: region for region in db.session.scalars(select(Region))}
    templates = published_of_kind(Kind.AGREEMENT)
    for site, _code in SITES:
        if site not in regions:
            continue
        owner = db.session.scalar(users_query(role=Role.COORDINATOR, region_id=regions[site].id).limit(1)) or admin
        for title, names, state, started, runs, review in AGREEMENTS:
            begins = (now - timedelta(days=started)).date() if started else None
            agreement = save_agreement(owner, None, AgreementInput(
                region_id=regions[site].id, title=title, party_ids=[institutions[name.format(site=site)] for name in names],
                subject=SUBJECT.format(site=site), instrument_id=templates[0].id if templates else None,
                valid_from=begins, valid_to=begins + timedelta(days=runs) if begins and runs else None,
                review_months=review), now=now - timedelta(days=started or 30))
            if state == AgreementState.DRAFT:
                continue
            move(owner, agreement, AgreementState.CONSULTATION, today=now.date(), now=now)
            parties = [party.institution_id for party in agreement.parties]
            signed = parties if state == AgreementState.SIGNED else parties[:1]  # in Abstimmung: one has signed
            record_signatures(owner, agreement, dict.fromkeys(signed, (now - timedelta(days=(started or 10) + 5)).date()),
                              today=now.date(), now=now)
            if state == AgreementState.SIGNED:
                move(owner, agreement, AgreementState.SIGNED, today=now.date(), now=now)
    return []


# (kind, name pattern, public, purpose, party name patterns or None for every institution of the site)
BODIES = (
    ("forum", "Netzwerkforum Kinderschutz {site}", True,
     "Das Netzwerkforum versammelt einmal im Jahr alle Partner des Netzwerks: Austausch, Fortbildung, "
     "Rückblick und Ausblick.", None),
    ("steering", "Steuerungsgruppe Kinderschutz {site}", False,
     "Die Steuerungsgruppe beschließt die Schwerpunkte des Netzwerks und die Kooperationsvereinbarungen. In ihr "
     "sind alle Professionen mit Entscheidungsbefugnis vertreten.",
     ("Jugendamt {site}, Allgemeiner Sozialer Dienst", "Klinikum {site}, Kinderschutzgruppe",
      "Grundschule am Park {site}", "Polizeirevier {site}, Opferschutz", "Amtsgericht {site}, Familiengericht")),
    ("project", "AG Schule – Jugendhilfe {site}", False,
     "Die Arbeitsgruppe entwickelt den gemeinsamen Meldeweg von Schulen an das Jugendamt.",
     ("Jugendamt {site}, Allgemeiner Sozialer Dienst", "Grundschule am Park {site}", "Oberschule {site}-Mitte")),
)


def seed_bodies(*, now: datetime) -> list:
    """Per site a public Netzwerkforum with every institution, an internal Steuerungsgruppe with five
    professions and a Projektgruppe, chaired by the site's coordinator, each with a year of quarterly
    meetings with approved minutes (the Projektgruppe's last still a draft), a decision and a task
    each, and one meeting in three weeks (idempotent)."""
    admin = find_user_by_email("admin@example.org")
    if admin is None or db.session.scalar(select(Body.id).limit(1)):
        return []
    regions = {region.name: region for region in db.session.scalars(select(Region))}
    for site, _code in SITES:
        if site not in regions:
            continue
        region = regions[site]
        chair = db.session.scalar(users_query(role=Role.COORDINATOR, region_id=region.id).limit(1)) or admin
        found = db.session.scalars(select(Institution).join(Institution.regions).where(Region.id == region.id)).all()
        institutions = {institution.name: institution.id for institution in found}
        delegates = _delegates(found, region, chair, now=now)
        for kind, pattern, public, purpose, names in BODIES:
            body = save_body(chair, None, BodyInput(region_id=region.id, kind=kind, name=pattern.format(site=site),
                                                    purpose=purpose, public=public), now=now)
            for name in ([name.format(site=site) for name in names] if names else sorted(institutions)):
                add_institution(chair, body, institutions[name], delegate_email=delegates[name])
            for days in (-336, -252, -168, -84, 21):  # a year held quarterly, one coming, on Tuesday afternoons
                day = (now + timedelta(days=days)).astimezone(BERLIN).date()
                day += timedelta(days=(1 - day.weekday()) % 7)
                meeting = plan_meeting(chair, body, MeetingInput(
                    starts_at=from_berlin(day, time(14)), ends_at=from_berlin(day, time(16)),
                    place=f"Jugendamt {site}, Sitzungsraum", agenda=MEETING_AGENDA), now=now)
                if days < 0:
                    _minutes(chair, meeting, institutions.get(f"Kita Sonnenschein {site}"), day=day, now=now,
                             draft=kind == "project" and days == -84)
    return []


FIRST_NAMES = ("Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Klara", "Lukas")
LAST_NAMES = ("Beispiel", "Muster", "Probe", "Vorlage")


def _delegates(institutions, region, chair, *, now) -> dict[str, str]:
    """The e-mail of the person each institution sends: the coordinator for the Jugendamt, an invented
    partner account (sector and organisation of the institution) for the others."""
    site = [name for name, _code in SITES].index(region.name)
    sent = {}
    for index, institution in enumerate(sorted(institutions, key=lambda found: found.name)):
        if institution.name.startswith("Jugendamt"):
            sent[institution.name] = chair.email
            continue
        email = f"delegiert.{site + 1}.{index + 1}@example.org"
        if find_user_by_email(email) is None:
            create_demo_user(email=email, name=f"{FIRST_NAMES[index % 12]} {LAST_NAMES[site]}", roles=[Role.PARTNER],
                             region=region, sector=institution.sector, organisation=institution.name, now=now)
        sent[institution.name] = email
    return sent


def _minutes(chair, meeting, kita_id, *, day, now, draft: bool) -> None:
    """Minutes as the keepers would have written them after the meeting: approved, or (the
    Projektgruppe's last) a draft still being written."""
    after = meeting.ends_at + timedelta(hours=2)
    people = invited(meeting)  # every fourth sends apologies
    minutes.record_attendance(chair, meeting, {person.id for index, person in enumerate(people) if index % 4 != 3},
                              now=after)
    notes = dict(zip((item.id for item in meeting.items), MEETING_NOTES, strict=False))
    minutes.save_notes(chair, meeting, notes, now=after)
    minutes.add_decision(chair, meeting, "Die Kooperationsvereinbarung wird mit den Kitas der Region fortgeschrieben; "
                         "die Koordination legt den Entwurf zur nächsten Sitzung vor.", now=after)
    owner = {"institution_id": kita_id} if kita_id and meeting.body.kind == "forum" else {"owner_email": chair.email}
    task = minutes.add_task(chair, meeting, minutes.TaskInput(
        title="Rückmeldung zum Entwurf der Kooperationsvereinbarung sammeln", due_on=day + timedelta(weeks=10),
        **owner), today=day, now=after)
    if task.due_on < now.astimezone(BERLIN).date() - timedelta(weeks=4):
        task.state, task.done_at = TaskState.DONE, after + timedelta(weeks=6)
    if draft:
        return
    record = meeting.minutes
    record.state, record.review_until = MinutesState.APPROVED, after + timedelta(days=14)
    record.approved_at, record.approved_by_id = after + timedelta(days=15), chair.id
    db.session.flush()


MEETING_NOTES = (
    "Die Sitzung beginnt pünktlich; das Protokoll der letzten Sitzung ist ohne Änderungen genehmigt.",
    "Die AG Schule – Jugendhilfe hat den Entwurf des Meldewegs abgestimmt. Offene Frage: Erreichbarkeit in den "
    "Ferien.",
    "Drei Kitas haben die Vereinbarung unterschrieben, zwei prüfen sie noch.",
)


MEETING_AGENDA = """1. Begrüßung und Protokoll der letzten Sitzung
2. Bericht aus den Arbeitsgruppen
3. Kooperationsvereinbarungen: Stand und nächste Schritte
4. Verschiedenes"""
