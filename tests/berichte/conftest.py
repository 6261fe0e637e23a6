"""A year of the network with known counts, written straight into the tables (the services refuse
dates in the past): two regions, Landkreis Leipzig and Dresden, and what happened in 2025 around them.
The counts each test expects are stated in the fixture's docstring."""
import itertools
from datetime import date, datetime, time, timedelta

import pytest

from lms.auth.models import RegionKind
from lms.beratung.models import Consultation
from lms.extensions import db
from lms.ical import from_berlin
from lms.module.models import Attendance, Enrolment, Module, Offering, OfferingDate
from lms.netzwerk.models import Agreement, AgreementParty, Body, Institution, Meeting, MeetingAttendance

YEAR = 2025
_codes = itertools.count(1)


def berlin(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return from_berlin(day, time(hour, minute))


def add_body(region, kind, name, *, created=date(2025, 1, 10)) -> Body:
    at = berlin(created)
    body = Body(region_id=region.id, kind=kind, name=name, created_at=at, updated_at=at)
    db.session.add(body)
    db.session.flush()
    return body


def add_meeting(body, starts_at, people=(), *, state="planned") -> Meeting:
    meeting = Meeting(body_id=body.id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), state=state,
                      created_at=starts_at, updated_at=starts_at)
    db.session.add(meeting)
    db.session.flush()
    db.session.add_all(MeetingAttendance(meeting_id=meeting.id, user_id=person.id, recorded_at=starts_at)
                       for person in people)
    return meeting


def add_institution(name, sector, regions, *, created=date(2025, 2, 1)) -> Institution:
    at = berlin(created)
    institution = Institution(name=name, sector=sector, kind="other", regions=list(regions), confirmed_at=at,
                              created_at=at, updated_at=at)
    db.session.add(institution)
    db.session.flush()
    return institution


def add_agreement(region, parties, state, *, valid_from=None, valid_to=None, terminated_on=None,
                  signed=()) -> Agreement:
    at = berlin(date(2023, 1, 1))
    agreement = Agreement(region_id=region.id, title=f"Vereinbarung {next(_codes)}", state=state, valid_from=valid_from,
                          valid_to=valid_to, terminated_on=terminated_on, created_at=at, updated_at=at)
    agreement.parties = [AgreementParty(institution_id=party.id, signed_on=day)
                         for party, day in itertools.zip_longest(parties, signed)]
    db.session.add(agreement)
    return agreement


def add_module(dimension, teaching_units) -> Module:
    module = Module(code=f"B{next(_codes)}", title=f"Modul {dimension}", summary="", dimension=dimension,
                    teaching_units=teaching_units, state="published")
    db.session.add(module)
    db.session.flush()
    return module


def add_offering(module, region, days, *, present=(), absent=(), state="open") -> Offering:
    """An offering on *days* (10–16 h Berlin); *present* attended every date, *absent* none."""
    starts = [berlin(day) for day in days]
    offering = Offering(module_id=module.id, region_id=region.id if region else None, capacity=30,
                        seats_taken=len(present) + len(absent), registration_deadline=starts[0] - timedelta(days=7),
                        state=state, first_starts_at=starts[0], last_ends_at=starts[-1] + timedelta(hours=6))
    offering.dates = [OfferingDate(starts_at=start, ends_at=start + timedelta(hours=6)) for start in starts]
    db.session.add(offering)
    db.session.flush()
    for people, was_there in ((present, True), (absent, False)):
        for person in people:
            enrolment = Enrolment(offering_id=offering.id, user_id=person.id, status="enrolled", queued_at=starts[0])
            db.session.add(enrolment)
            db.session.flush()
            db.session.add_all(Attendance(enrolment_id=enrolment.id, date_id=offering_date.id, present=was_there,
                                          recorded_at=offering_date.ends_at) for offering_date in offering.dates)
    return offering


def add_consultation(expert, booker, starts_at, *, type_code="case_consult_8b", format="video", status="completed"):
    db.session.add(Consultation(
        case_code=f"K-{next(_codes)}", expert_id=expert.id, booker_id=booker.id, type_code=type_code, format=format,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), status=status, booker_sector=booker.sector,
        booker_region_id=booker.region_id, scheduled_at=starts_at, created_at=starts_at, updated_at=starts_at))


@pytest.fixture
def leipzig(create_region):
    return create_region("Landkreis Leipzig", RegionKind.DISTRICT)


@pytest.fixture
def dresden(create_region):
    return create_region("Dresden")


@pytest.fixture
def people(create_user, leipzig, dresden):
    """Five health and four youth-welfare partners of Leipzig, three police officers of Dresden."""
    return {
        "health": [create_user("partner", sector="health", region=leipzig) for _ in range(5)],
        "youth": [create_user("partner", sector="youth_welfare", region=leipzig) for _ in range(4)],
        "police": [create_user("partner", sector="police", region=dresden) for _ in range(3)],
    }


@pytest.fixture
def year_of_data(leipzig, dresden, people, create_user):
    """What 2025 holds, for Leipzig (and the Land, Dresden added):

    - Bodies: steering, forum, project (+ a project group founded 2026); Dresden a round table.
    - Meetings held: steering twice (1 January 00:30 Berlin with the five health partners; 12 March
      with all nine), forum once (4 June, three health partners); a cancelled one, one on New Year's
      Eve 2024 23:30 Berlin and one in 2026 do not count. Dresden: one with the three police officers.
    - Institutions (by 2025): education, health (also Dresden's), youth welfare; a counselling
      centre founded 2026 does not count; Dresden a police station.
    - Agreements: in force at the end of 2025 three (one since 2024, one concluded 2025, one
      terminated only in 2026), concluded in 2025 two (one since terminated); an expired and a draft
      count as neither. Dresden: one concluded in 2025.
    - Offerings: internal (8 UE) 3 and 10 March, the five health partners; performance (16 UE)
      5 November, three youth-welfare partners present and one absent; a cancelled one and one of
      2026 do not count; statewide internal (1 July, two police officers) and Dresden's performance
      offering count for the Land only.
    - Consultations: the five health partners one each (case, video); a cancelled one, one of 2024
      and one by a police officer of Dresden do not count for Leipzig.
    """
    health, youth, police = people["health"], people["youth"], people["police"]
    steering = add_body(leipzig, "steering", "Steuerungsgruppe")
    forum = add_body(leipzig, "forum", "Netzwerkforum")
    add_body(leipzig, "project", "AG Frühe Hilfen")
    add_body(leipzig, "project", "AG Schule", created=date(2026, 2, 1))
    round_table = add_body(dresden, "round_table", "Runder Tisch Dresden")
    add_meeting(steering, berlin(date(2025, 1, 1), 0, 30), health)
    add_meeting(steering, berlin(date(2025, 3, 12)), health + youth)
    add_meeting(forum, berlin(date(2025, 6, 4)), health[:3])
    add_meeting(steering, berlin(date(2025, 9, 10)), state="cancelled")
    add_meeting(steering, berlin(date(2024, 12, 31), 23, 30), health)
    add_meeting(steering, berlin(date(2026, 1, 15)), health)
    add_meeting(round_table, berlin(date(2025, 5, 5)), police)

    kita = add_institution("Kita Sonnenschein", "education", [leipzig])
    clinic = add_institution("Klinik St. Georg", "health", [leipzig, dresden])
    youth_office = add_institution("Jugendamt Leipzig", "youth_welfare", [leipzig])
    add_institution("Beratungsstelle Grimma", "counselling", [leipzig], created=date(2026, 3, 1))
    police_station = add_institution("Polizeirevier Dresden", "police", [dresden])

    pair = (youth_office, kita)
    add_agreement(leipzig, pair, "signed", valid_from=date(2024, 1, 1), signed=(date(2023, 12, 10),) * 2)
    add_agreement(leipzig, (youth_office, clinic), "signed", valid_from=date(2025, 4, 1), valid_to=date(2027, 3, 31),
                  signed=(date(2025, 3, 1), date(2025, 3, 15)))
    add_agreement(leipzig, pair, "terminated", valid_from=date(2025, 2, 1), terminated_on=date(2025, 10, 1))
    add_agreement(leipzig, pair, "signed", valid_from=date(2023, 1, 1), valid_to=date(2025, 6, 30),
                  signed=(date(2022, 12, 1),) * 2)
    add_agreement(leipzig, pair, "draft")
    add_agreement(leipzig, (youth_office, clinic), "terminated", valid_from=date(2024, 1, 1),
                  terminated_on=date(2026, 2, 1))
    add_agreement(dresden, (police_station, clinic), "signed", valid_from=date(2025, 8, 1),
                  signed=(date(2025, 7, 1),) * 2)

    internal, performance = add_module("internal", 8), add_module("performance", 16)
    add_offering(internal, leipzig, [date(2025, 3, 3), date(2025, 3, 10)], present=health)
    add_offering(performance, leipzig, [date(2025, 11, 5)], present=youth[:3], absent=youth[3:])
    add_offering(performance, leipzig, [date(2025, 5, 1)], present=health, state="cancelled")
    add_offering(internal, leipzig, [date(2026, 2, 1)], present=health)
    add_offering(internal, None, [date(2025, 7, 1)], present=police[:2])
    add_offering(performance, dresden, [date(2025, 9, 1)])

    expert = create_user("expert")
    for index, person in enumerate(health):
        add_consultation(expert, person, berlin(date(2025, 4, 1 + index)))
    add_consultation(expert, health[0], berlin(date(2025, 5, 2)), status="cancelled")
    add_consultation(expert, health[0], berlin(date(2024, 5, 2)))
    add_consultation(expert, police[0], berlin(date(2025, 5, 3)), type_code="process_consult", format="phone")
    db.session.commit()
