"""Demo consultation: three experts with different calendars, bookings ahead and some history.

Profiles, windows, the absence and the bookings ahead go through the services, so they obey the
same rules as the pages (free slots, notice, buffers, the open-booking limit, the identifier
guard). The history does not: the services refuse every time in the past, since nobody books a
consultation that has already happened. Those rows (held and cancelled consultations, the case
content and outcome of the held ones, their audit log) are written directly, as the services would
have left them. Phone numbers come from the range the Bundesnetzagentur keeps for fictitious use
(030 23125 xxx). Creates nothing that already exists.
"""
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from lms.auth import demo as auth_demo
from lms.auth.models import Region, Role, Sector, User
from lms.auth.services import find_user_by_email
from lms.beratung import services
from lms.beratung.models import (
    CaseAccess,
    CaseContent,
    Consultation,
    ConsultationStatus,
    ExpertProfile,
)
from lms.beratung.services import BookingInput, CaseInput, ProfileInput, WindowInput
from lms.beratung.services.booking import new_case_code
from lms.beratung.slots import berlin
from lms.extensions import db
from lms.ical import BERLIN

EXPERT = "fachkraft@example.org"  # created by the auth demo
LEIPZIG = "fachkraft.leipzig@example.org"
DRESDEN = "fachkraft.dresden@example.org"
EXTRA_EXPERTS = (
    (LEIPZIG, "Miriam Seidel", "Leipzig", "Erziehungs- und Familienberatung Leipzig-Süd"),
    (DRESDEN, "Thomas Lehmann", "Dresden", "Familienberatungsstelle Dresden-Neustadt"),
)
PARTNER, COORDINATOR = "partner@example.org", "koordination@example.org"
MON, TUE, WED, THU, FRI = range(5)


def seed(*, now: datetime) -> list[tuple[str, str]]:
    """Create the two extra expert accounts if missing; profiles and bookings only on the first run."""
    logins = [(email, Role.EXPERT.value) for email, *_ in EXTRA_EXPERTS]
    regions = {region.name: region for region in db.session.scalars(select(Region))}
    for email, name, region, organisation in EXTRA_EXPERTS:
        if find_user_by_email(email) is None:
            auth_demo.create_demo_user(email=email, name=name, roles=[Role.EXPERT], region=regions.get(region),
                                       organisation=organisation, now=now)
    people = {email: find_user_by_email(email) for email in (EXPERT, LEIPZIG, DRESDEN, PARTNER, COORDINATOR)}
    if any(person is None for person in people.values()) or services.profile_of(people[EXPERT]) is not None:
        return logins
    profiles = _profiles(people, regions, now)
    _availability(people, now)
    _bookings_ahead(people, profiles, now)
    _history(people, profiles, now)
    db.session.flush()
    return logins


def _profiles(people: dict[str, User], regions: dict[str, Region], now: datetime) -> dict[str, ExpertProfile]:
    def region_ids(*names):
        return [regions[name].id for name in names if name in regions]

    inputs = {
        EXPERT: ProfileInput(
            introduction="Insoweit erfahrene Fachkraft seit vielen Jahren, Schwerpunkt frühe Kindheit und "
                         "Zusammenarbeit mit Kitas. Gefährdungseinschätzungen nach § 8a und § 8b SGB VIII.",
            specialisations="Vernachlässigung, frühe Kindheit, Gespräche mit Eltern", languages="Deutsch, Türkisch",
            place="Beratungsstelle Vogtland, Plauen, Beratungsraum 2", phone="030 23125 401", video_link="",
            auto_confirm=False, slot_minutes=60, buffer_minutes=15, notice_minutes=24 * 60, horizon_days=56,
            max_per_day=None, published=True,
            types=["case_consult_8a4", "case_consult_8b", "reflection"], formats=["in_person", "phone"],
            sectors=_values(Sector.YOUTH_WELFARE, Sector.EARLY_SUPPORT, Sector.EDUCATION, Sector.DISABILITY),
            region_ids=region_ids("Vogtlandkreis", "Landkreis Leipzig"),
        ),
        LEIPZIG: ProfileInput(
            introduction="Kinderschutzfachkraft in der Erziehungs- und Familienberatung. Berät Berufsgeheimnisträger "
                         "aus Gesundheitswesen und Schule nach § 4 KKG und bereitet Helferkonferenzen mit vor.",
            specialisations="Gesundheitswesen, Schule, häusliche Gewalt, Helferkonferenzen",
            languages="Deutsch, Englisch", place="", phone="030 23125 402",
            video_link="https://video.example.org/beratung/seidel", auto_confirm=True, slot_minutes=45,
            buffer_minutes=10, notice_minutes=120, horizon_days=28, max_per_day=None, published=True,
            types=["case_consult_kkg4", "case_consult_8b", "helper_conf_prep"], formats=["video", "phone"],
            sectors=_values(Sector.HEALTH, Sector.EDUCATION, Sector.YOUTH_WELFARE, Sector.EARLY_SUPPORT),
            region_ids=region_ids("Leipzig", "Landkreis Leipzig"),
        ),
        DRESDEN: ProfileInput(
            introduction="Fachberatung im Begleitkonzept: Prozess- und Praxisberatung für Einrichtungen, "
                         "Klärung der Kooperation im Netzwerk und Hinzuziehung nach § 8a Abs. 4 SGB VIII.",
            specialisations="Schutzkonzepte in der Praxis, Kooperation Jugendamt – Träger, Fallreflexion",
            languages="Deutsch", place="Familienberatungsstelle Dresden-Neustadt, Seminarraum",
            phone="030 23125 403", video_link="https://video.example.org/beratung/lehmann", auto_confirm=False,
            slot_minutes=90, buffer_minutes=30, notice_minutes=2 * 24 * 60, horizon_days=84, max_per_day=1,
            published=True,
            types=["process_consult", "cooperation_clarify", "case_consult_8a4", "reflection"],
            formats=["in_person", "video"],
            sectors=_values(Sector.YOUTH_WELFARE, Sector.COUNSELLING, Sector.POLICE, Sector.OTHER),
            region_ids=region_ids("Dresden"),
        ),
    }
    return {email: services.save_profile(people[email], people[email], data, now=now)
            for email, data in inputs.items()}


def _availability(people: dict[str, User], now: datetime) -> None:
    """Weekly windows valid since two months (so the history lies inside them), a one-off afternoon
    and a holiday week for the Leipzig expert."""
    today = now.astimezone(BERLIN).date()
    since = today - timedelta(weeks=9)
    weekly = {
        EXPERT: ((TUE, time(9), time(12)), (THU, time(14), time(17))),
        LEIPZIG: ((MON, time(8, 30), time(12)), (WED, time(8, 30), time(12))),
        DRESDEN: ((MON, time(13), time(17)), (FRI, time(8), time(12))),
    }
    for email, windows in weekly.items():
        for weekday, start, end in windows:
            services.add_window(people[email], people[email], WindowInput(
                start_time=start, end_time=end, weekday=weekday, valid_from=since), now=now)
    leipzig = people[LEIPZIG]
    services.add_window(leipzig, leipzig, WindowInput(
        start_time=time(14), end_time=time(16), day=_on_or_after(today + timedelta(days=7), THU)), now=now)
    holiday = _on_or_after(today + timedelta(days=15), MON)
    services.add_absence(leipzig, leipzig, holiday, holiday + timedelta(days=4), "Urlaub", now=now)


def _bookings_ahead(people: dict[str, User], profiles: dict[str, ExpertProfile], now: datetime) -> None:
    """Bookings in real free slots; at most one per booker and expert, below any open-booking limit."""
    partner, coordinator = people[PARTNER], people[COORDINATOR]
    kita_neglect = services.book(partner, profiles[EXPERT], BookingInput(
        starts_at=_free(profiles[EXPERT], now, skip=1), type_code="case_consult_8a4", format="phone",
        case=CaseInput(age_band="3-5", concern="neglect", setting="kita", urgency="soon", vignette=(
            "Kind (Kita-Alter) kommt seit Wochen ohne Frühstück und in verschmutzter Kleidung; "
            "Gespräch mit den Eltern ist geplant.")),
    ), now=now)
    services.confirm(people[EXPERT], kita_neglect, now=now)
    services.book(coordinator, profiles[EXPERT], BookingInput(  # stays requested: the expert confirms by hand
        starts_at=_free(profiles[EXPERT], now, skip=3), type_code="reflection", format="in_person",
        case=CaseInput(age_band="6-9", concern="psychological", setting="school", urgency="routine", vignette=(
            "Kind im Grundschulalter zieht sich seit den Ferien zunehmend zurück und gibt abwertende Äußerungen "
            "eines Elternteils wieder. Wie lässt sich die Lage einschätzen, bevor die Eltern angesprochen werden?")),
    ), now=now)
    services.book(partner, profiles[LEIPZIG], BookingInput(  # confirmed at once: auto-confirm
        starts_at=_free(profiles[LEIPZIG], now, skip=2), type_code="case_consult_8b", format="video",
        case=CaseInput(age_band="0-2", concern="physical", setting="kita", urgency="soon", vignette=(
            "Kind (Krippe) hatte in den letzten zwei Wochen zweimal Hämatome an den Oberarmen; die Erklärungen "
            "der Eltern wechseln. Erbeten wird eine Einschätzung zur Gefährdung und zum weiteren Vorgehen.")),
    ), now=now)
    services.book(coordinator, profiles[LEIPZIG], BookingInput(
        starts_at=_free(profiles[LEIPZIG], now, skip=5), type_code="helper_conf_prep", format="phone",
        case=CaseInput(age_band="14-17", concern="domestic", setting="youth_welfare", urgency="routine", vignette=(
            "Jugendliche Person erlebt nach eigenen Angaben wiederholt Gewalt zwischen den Eltern; beteiligt sind "
            "Jugendhilfe, Schule und Kinderarztpraxis. Vorbereitung einer Helferkonferenz: Rollen, Ablauf und "
            "Gesprächsführung klären.")),
    ), now=now)
    services.book(coordinator, profiles[DRESDEN], BookingInput(  # no case: process consultation
        starts_at=_free(profiles[DRESDEN], now, skip=0), type_code="process_consult", format="video"), now=now)
    services.book(partner, profiles[DRESDEN], BookingInput(
        starts_at=_free(profiles[DRESDEN], now, skip=1), type_code="cooperation_clarify", format="in_person"),
        now=now)


def _free(profile: ExpertProfile, now: datetime, *, skip: int) -> datetime:
    """The start of the expert's free slot after *skip* others (or the last one found)."""
    slots = services.next_free_slots(profile, now=now, limit=skip + 1)
    return slots[-1].starts_at


def _history(people: dict[str, User], profiles: dict[str, ExpertProfile], now: datetime) -> None:
    """Past consultations, written directly (see the module docstring): two held ones with case content
    and outcome, one held without case, one the booker cancelled, and held ones of five more bookers."""
    partner, coordinator = people[PARTNER], people[COORDINATOR]
    today = now.astimezone(BERLIN).date()
    held_kita = _past(profiles[EXPERT], partner, "case_consult_8a4", "phone",
                      day=_on_or_before(today - timedelta(weeks=3), TUE), start=time(9), confirmed_by_hand=True)
    _case(held_kita, partner, CaseInput(
        age_band="3-5", concern="domestic", setting="kita", urgency="routine", vignette=(
            "Kind (Kita-Alter) erzählt im Morgenkreis wiederholt von lautem Streit zu Hause und wirkt nach "
            "Wochenenden übermüdet. Einschätzung, ob gewichtige Anhaltspunkte vorliegen.")),
        outcome="Gewichtige Anhaltspunkte derzeit nicht belegt. Empfehlung: Beobachtungen strukturiert dokumentieren, "
                "mit den Eltern über Unterstützungsangebote (Erziehungsberatung) sprechen, Wiedervorlage in vier "
                "Wochen.", result="support")
    held_school = _past(profiles[LEIPZIG], coordinator, "case_consult_8b", "video",
                        day=_on_or_before(today - timedelta(weeks=2), MON), start=time(8, 30), confirmed_by_hand=False)
    _case(held_school, coordinator, CaseInput(
        age_band="14-17", concern="psychological", setting="school", urgency="routine", vignette=(
            "Jugendliche Person äußert gegenüber der Schulsozialarbeit, sich zu Hause ständig abgewertet zu "
            "fühlen; keine Hinweise auf körperliche Gewalt.")),
        outcome="Keine akute Gefährdung erkennbar. Hinweis auf Beratungsangebote für Jugendliche gegeben; die "
                "Schulsozialarbeit bleibt Ansprechpartnerin und bespricht die Lage in zwei Wochen erneut.",
        result="no_risk")
    _past(profiles[DRESDEN], partner, "cooperation_clarify", "in_person",
          day=_on_or_before(today - timedelta(weeks=5), MON), start=time(13), confirmed_by_hand=True)
    _past(profiles[DRESDEN], coordinator, "process_consult", "video",
          day=_on_or_before(today - timedelta(weeks=4), FRI), start=time(8), confirmed_by_hand=True,
          cancelled="Terminüberschneidung mit der Netzwerkkonferenz; ein neuer Termin folgt.")
    _more_held(profiles, today)


# People the qualification demo creates: their held consultations give the history more than two
# bookers. The statistics still show most cells of so small a demo as "< 5" or withheld, as they must.
MORE_BOOKERS = ("partnerin.gesundheit@example.org", "partner.schule@example.org", "partnerin.polizei@example.org",
                "partner.jugendhilfe@example.org", "koordination2@example.org")


def _more_held(profiles: dict[str, ExpertProfile], today: date) -> None:
    bookers = [find_user_by_email(email) for email in MORE_BOOKERS]
    experts = (EXPERT, LEIPZIG, DRESDEN)
    for index, booker in enumerate(person for person in bookers if person is not None):
        _past(profiles[experts[index % 3]], booker, "case_consult_8a4", ("phone", "video")[index % 2],
              day=_on_or_before(today - timedelta(weeks=1 + index), (WED, THU)[index % 2]), start=time(10),
              confirmed_by_hand=True)


def _past(profile: ExpertProfile, booker: User, type_code: str, format_code: str, *, day: date, start: time,
          confirmed_by_hand: bool, cancelled: str = "") -> Consultation:
    """A consultation as the services leave it: held (completed) or called off by the booker a few days ahead."""
    starts_at = berlin(day, start)
    ends_at = starts_at + timedelta(minutes=profile.slot_minutes)
    booked_at = starts_at - timedelta(days=10)
    consultation = Consultation(
        case_code=new_case_code(booked_at), expert_id=profile.user_id, booker_id=booker.id,
        type_code=type_code, format=format_code,
        location={"in_person": profile.place, "phone": profile.phone, "video": profile.video_link}[format_code],
        starts_at=starts_at, ends_at=ends_at, booker_sector=booker.sector, booker_region_id=booker.region_id,
        sequence=int(confirmed_by_hand), scheduled_at=booked_at, created_at=booked_at,
    )
    if cancelled:
        consultation.status = ConsultationStatus.CANCELLED
        consultation.cancelled_by_id, consultation.sequence = booker.id, consultation.sequence + 1
        consultation.updated_at = starts_at - timedelta(days=3)
    else:
        consultation.status = ConsultationStatus.COMPLETED
        consultation.reminded_day_at = starts_at - timedelta(days=1)
        consultation.reminded_hour_at = starts_at - timedelta(hours=1)
        consultation.updated_at = ends_at + timedelta(hours=2)
    db.session.add(consultation)
    db.session.flush()
    if cancelled:
        consultation.decision_reason = cancelled  # sealed with the consultation's key: it needs its id
    return consultation


def _case(consultation: Consultation, booker: User, case: CaseInput, *, outcome: str, result: str) -> None:
    """Case content with the expert's outcome, and the audit log the booking and the outcome wrote."""
    db.session.add(CaseContent(consultation_id=consultation.id, age_band=case.age_band, concern=case.concern,
                               setting=case.setting, urgency=case.urgency, vignette=case.vignette,
                               outcome=outcome, result=result))
    for user_id, at in ((booker.id, consultation.created_at), (consultation.expert_id, consultation.updated_at)):
        db.session.add(CaseAccess(consultation_id=consultation.id, case_code=consultation.case_code, user_id=user_id,
                                  action="write", at=at))


def _values(*sectors: Sector) -> list[str]:
    return [sector.value for sector in sectors]


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)
