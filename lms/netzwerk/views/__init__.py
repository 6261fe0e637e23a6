"""The network's pages on one blueprint: what several pages share lives here, the pages themselves in
one module per aggregate: `emergency` (the public emergency view and the keepers' numbers),
`directory` (institutions and their binding contacts, each contact field shown by its own visibility,
`Institution.shows`), `agreements` (cooperation agreements and the register), `bodies` (Gremien,
their seats and meetings) and `minutes` (a meeting's agenda, minutes, decisions and tasks)."""
from flask import Blueprint, url_for
from flask_login import current_user

from lms import storage
from lms.auth.models import Region, Role
from lms.db import utcnow
from lms.i18n import _
from lms.instrumente.models import StoredFile
from lms.navigation import Notice, register_notice_provider
from lms.netzwerk import proposals, queries, startpage, upkeep
from lms.netzwerk.models import KEEPER_ROLES
from lms.startpage import register_section_provider

bp = Blueprint("netzwerk", __name__)
PER_PAGE = 25


def proposal_notices(user) -> list[Notice]:
    """The start page's line for the keepers of institutions whose people proposed changes (one query)."""
    if not user.has_role(*KEEPER_ROLES):
        return []
    count, institution_id = proposals.waiting(None if user.has_role(Role.ADMIN) else user.region_id or 0)
    if not count:
        return []
    return [Notice(label=_("Änderungsvorschläge für Einrichtungen (%(count)d)", count=count),
                   url=url_for("netzwerk.institution", institution_id=institution_id, _anchor="vorschlaege"),
                   description=_("Personen einer Einrichtung haben Änderungen an deren Angaben vorgeschlagen."))]


@bp.record_once
def _register_notices(state) -> None:
    register_notice_provider(state.app, proposal_notices)
    register_section_provider(state.app, startpage.sections)


@bp.app_template_global()
def emergency_url() -> str:
    """The header links the emergency view on every page: the own region's at once, else the choice."""
    region_id = current_user.region_id if current_user and current_user.is_authenticated else None
    if region_id:
        return url_for("netzwerk.emergency", region_id=region_id)
    return url_for("netzwerk.choose_region")


@bp.app_template_global()
def unconfirmed(entry) -> bool:
    """Shown as "nicht bestätigt": its owner did not confirm it in the grace after the reminder."""
    after, grace = upkeep.confirm_periods()
    return entry.is_unconfirmed(utcnow(), after=after, grace=grace)


@bp.app_template_global()
def confirmation_due(entry) -> bool:
    """Old enough that its keepers are offered "Stimmt noch" beside it."""
    return entry.is_due(utcnow(), after=upkeep.confirm_periods()[0])



def download(file: StoredFile, filename: str):
    """A stored file as an attachment under its safe name, never cached (its page decides who gets it)."""
    return storage.download(file.sha256, size=file.size, mime_type=file.mime_type, filename=filename,
                            cache_control="private, no-store")


def choose_region(regions: list[Region], chosen_id: int | None) -> Region | None:
    """The region a page shows: the one asked for if it is offered, else the person's own if offered,
    else the first offered; None when none is."""
    by_id = {region.id: region for region in regions}
    own = getattr(current_user, "region_id", None)
    return by_id.get(chosen_id) or by_id.get(own) or (regions[0] if regions else None)


def own_regions() -> list[Region]:
    """The regions whose entries the signed-in keeper maintains: all for admins, else her own."""
    if current_user.has_role(Role.ADMIN):
        return queries.regions()
    return [current_user.region] if current_user.region else []


# The pages, by aggregate; importing them registers their routes on `bp`.
from lms.netzwerk.views import agreements, bodies, directory, emergency, minutes  # noqa: E402, F401
