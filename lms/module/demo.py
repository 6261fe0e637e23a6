"""Demo qualification: the starter catalogue, offerings over the coming months (some full, with a
waitlist, one moderated with a request to decide) and a few completed modules with certificates.
The demo coordinator holds a place, waits on a waitlist and has completed two modules, so that her
start page and "Meine Termine" show something. Creates nothing that already exists."""
from datetime import datetime, time, timedelta

from sqlalchemy import select

from lms.auth.demo import create_demo_user
from lms.auth.models import Region, Role, User
from lms.auth.services import find_user_by_email
from lms.extensions import db
from lms.ical import BERLIN
from lms.instrumente.models import Instrument
from lms.module import services
from lms.module.models import Module, ModuleState, Offering
from lms.module.services import DateInput, ModuleInput, OfferingInput
from lms.module.starter import MODULES

EXTRA_PEOPLE = (
    ("trainer2@example.org", "Tobias Trainer", [Role.TRAINER], None),
    ("koordination2@example.org", "Karla Koordination", [Role.COORDINATOR], None),
    ("partnerin.gesundheit@example.org", "Petra Hebamme", [Role.PARTNER], "health"),
    ("partner.schule@example.org", "Sebastian Schulsozialarbeit", [Role.PARTNER], "education"),
    ("partnerin.polizei@example.org", "Paula Präventionsbeamtin", [Role.PARTNER], "police"),
    ("partner.jugendhilfe@example.org", "Jonas Jugendhilfe", [Role.PARTNER], "youth_welfare"),
)
# Course material from the instrument library (DOMAIN.md 4.2/4.3).
MATERIALS = {"M02": ["I01", "I02"], "M03": ["I06"], "M04": ["I07"], "M05": ["I05", "I14"], "M06": ["I03", "I04"],
             "M09": ["I10", "I11"], "M10": ["I11", "I12"], "M11": ["I08", "I09"], "M14": ["I15"], "M15": ["I13"]}
PLACES = ("Rathaus, Saal 2", "Jugendamt, Schulungsraum 1", "Volkshochschule, Raum 104", "Landratsamt, Großer Saal")


def _person(email, name, roles, sector, regions, now) -> User:
    user = find_user_by_email(email)
    if user is None:
        user = create_demo_user(email=email, name=name, roles=roles, sector=sector,
                           region=regions[len(email) % len(regions)], now=now)
    return user


def _at(day: datetime, hour: int) -> datetime:
    return datetime.combine(day.astimezone(BERLIN).date(), time(hour), tzinfo=BERLIN)


def _offering(module, trainer, *, first_day, days, capacity, region, now, created=None,
              moderated=False) -> "services.Offering":
    dates = [
        DateInput(starts_at=_at(first_day + timedelta(days=index), 9), ends_at=_at(first_day + timedelta(days=index), 16),
                  location=PLACES[(module.id + index) % len(PLACES)])
        for index in range(days)
    ]
    return services.create_offering(trainer, module, OfferingInput(
        capacity=capacity, registration_deadline=dates[0].starts_at - timedelta(days=7), region_id=region.id,
        moderated=moderated, trainer_ids=[trainer.id], dates=dates,
    ), open_registration=True, now=created or now)


def seed(*, now: datetime) -> list[tuple[str, str]]:
    logins = [(email, ", ".join(role.value for role in roles)) for email, _n, roles, _s in EXTRA_PEOPLE]
    existing = set(db.session.scalars(select(Module.code)))
    if all(item["code"] in existing for item in MODULES):
        return logins
    regions = list(db.session.scalars(select(Region).order_by(Region.name)))
    trainer = find_user_by_email("referentin@example.org")
    people = {email: _person(email, name, roles, sector, regions, now) for email, name, roles, sector in EXTRA_PEOPLE}
    trainers = [trainer, people["trainer2@example.org"]]
    modules = {}
    for index, item in enumerate(MODULES):
        if item["code"] in existing:
            continue
        owner = trainers[index % 2]
        materials = db.session.scalars(select(Instrument.id).where(
            Instrument.code.in_(MATERIALS.get(item["code"], [])), Instrument.state == "published")).all()
        module = services.create_module(owner, ModuleInput(
            code=item["code"], title=item["title"], summary=item["summary"], description="",
            learning_goals="", dimension=item["dimension"], teaching_units=item["teaching_units"],
            required_attendance=100, audiences=item["audiences"],
            prerequisite_ids=[modules[code].id for code in item["prerequisites"] if code in modules],
            trainer_ids=[owner.id], material_ids=list(materials),
        ), now=now)
        services.set_module_state(owner, module, ModuleState.PUBLISHED, now=now)
        modules[item["code"]] = module
        days = max(1, item["teaching_units"] // 8)
        for run in range(2):
            _offering(module, owner, first_day=now + timedelta(weeks=3 + index + run * 8), days=min(days, 2),
                      capacity=16, region=regions[(index + run) % len(regions)], now=now)
    _full_offering_with_waitlist(modules.get("M07"), trainer, people, regions, now)
    _completions(modules, trainer, regions, now)
    _places_ahead(modules, trainer, people, regions, now)
    return logins


def _full_offering_with_waitlist(module, trainer, people, regions, now) -> None:
    if module is None:
        return
    offering = _offering(module, trainer, first_day=now + timedelta(weeks=2), days=1, capacity=3, region=regions[0],
                         now=now)
    for email in ("partner.jugendhilfe@example.org", "partnerin.gesundheit@example.org",
                  "partner.schule@example.org", "partnerin.polizei@example.org", "koordination2@example.org"):
        services.enrol(people[email], offering, now=now)


def _completions(modules, trainer, regions, now) -> None:
    coordinator = find_user_by_email("koordination@example.org")
    for code, weeks_ago in (("M01", 10), ("M07", 6)):
        module = modules.get(code)
        if module is None or coordinator is None:
            continue
        planned_at = now - timedelta(weeks=weeks_ago + 6)
        offering = _offering(module, trainer, first_day=now - timedelta(weeks=weeks_ago), days=max(1, min(2, module.teaching_units // 8)),
                             capacity=12, region=regions[0], now=now, created=planned_at)
        enrolment = services.enrol(coordinator, offering, now=planned_at)
        services.record_attendance(trainer, offering, {(enrolment.id, date.id): True for date in offering.dates},
                                   now=now)


def _places_ahead(modules, trainer, people, regions, now) -> None:
    """The demo coordinator books a place and waits for one; the demo partner asks for a place in a
    moderated offering that the demo trainer decides on."""
    coordinator, partner = find_user_by_email("koordination@example.org"), find_user_by_email("partner@example.org")
    if coordinator is None or partner is None or not {"M02", "M13", "M09"} <= modules.keys():
        return
    first_run = db.session.scalars(select(Offering).where(Offering.module_id == modules["M02"].id)
                                   .order_by(Offering.id)).first()
    services.enrol(coordinator, first_run, now=now)
    small = _offering(modules["M13"], trainer, first_day=now + timedelta(weeks=5), days=1, capacity=2,
                      region=regions[0], now=now)
    for person in (people["partnerin.gesundheit@example.org"], people["partner.schule@example.org"], coordinator):
        services.enrol(person, small, now=now)
    moderated = _offering(modules["M09"], trainer, first_day=now + timedelta(weeks=6), days=1, capacity=12,
                          region=regions[0], now=now, moderated=True)
    services.enrol(partner, moderated, now=now)
