"""Demo regions and logins (DESIGN.md, Contracts); creating them twice changes nothing."""
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from lms.auth.models import Region, RegionKind, Role, Sector, User
from lms.auth.services import create_user, find_user_by_email, hash_password
from lms.extensions import db

DEMO_PASSWORD = "Demo-Passwort-1"

# The four pilot sites of the Saxon state project (DOMAIN.md 1.1).
REGIONS = (
    ("Dresden", RegionKind.CITY),
    ("Leipzig", RegionKind.CITY),
    ("Landkreis Leipzig", RegionKind.DISTRICT),
    ("Vogtlandkreis", RegionKind.DISTRICT),
)

USERS = (
    ("admin@example.org", "Ada Admin", [Role.ADMIN], "Dresden", None, "Jugendamt Dresden"),
    ("koordination@example.org", "Konstanze Koordination", [Role.COORDINATOR], "Dresden", None,
     "Koordinationsstelle Kinderschutz, Jugendamt Dresden"),
    ("referentin@example.org", "Renate Referentin", [Role.TRAINER], "Leipzig", None, "Fortbildungsinstitut Leipzig"),
    ("partner@example.org", "Paul Partner", [Role.PARTNER], "Landkreis Leipzig", Sector.YOUTH_WELFARE,
     "Kita Sonnenschein"),
    ("fachkraft@example.org", "Fatma Fachkraft", [Role.EXPERT], "Vogtlandkreis", None,
     "Beratungsstelle Vogtland"),
)


def seed(*, now: datetime) -> list[tuple[str, str]]:
    """Create the demo regions and users that are missing; return (e-mail, roles) of the logins."""
    regions = {region.name: region for region in db.session.scalars(select(Region))}
    for name, kind in REGIONS:
        if name not in regions:
            regions[name] = Region(name=name, kind=kind)
            db.session.add(regions[name])
    db.session.flush()
    logins = []
    for email, name, roles, region, sector, organisation in USERS:
        if find_user_by_email(email) is None:
            create_demo_user(
                email=email, name=name, roles=roles, region=regions[region],
                sector=sector, organisation=organisation, now=now,
            )
        logins.append((email, ", ".join(role.value for role in roles)))
    return logins


def create_demo_user(**fields) -> User:
    """A demo account with DEMO_PASSWORD. The demo has some sixty accounts, and a hash costs a tenth of a
    second at the production setting, so they share one hash, made once per process and method."""
    return create_user(password_hash=_demo_password_hash(), **fields)


_HASHES: dict[str, str] = {}


def _demo_password_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _HASHES:
        _HASHES[method] = hash_password(DEMO_PASSWORD)
    return _HASHES[method]
