"""The competence profile's section of the start page: a coordinator's largest gaps, each with
the next offering that closes it (a fixed number of statements, see `services.largest_gaps`)."""
from datetime import datetime

from flask import url_for

from lms.auth.models import Role
from lms.i18n import _
from lms.kompetenzen import services
from lms.startpage import OVERVIEW, Link, Section


def sections(user, *, now: datetime) -> list[Section]:
    if not user.has_role(Role.COORDINATOR):
        return []
    return [Section(
        "gaps", _("Ihre größten Kompetenzlücken"), "kompetenzen/_start_gaps.html", OVERVIEW, order=10, wide=True,
        items=services.largest_gaps(user, now=now),
        links=(Link(_("Zum Kompetenzprofil"), url_for("kompetenzen.my_profile")),),
    )]
