"""Statistics for admins and coordinators, and the audit log of case reads for admins."""
from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.auth.permissions import role_required
from lms.auth.services import all_regions
from lms.beratung.models import CaseAccess, Consultation
from lms.beratung.statistics import statistics
from lms.beratung.views import OVERSEER_ROLES, PER_PAGE, bp
from lms.extensions import db


@bp.get("/beratung/uebersicht")
@role_required(*OVERSEER_ROLES)
def overview():
    """The statistics; admins also page through the bookings' metadata (coordinators never see a
    single booking: see `Consultation.can_view`)."""
    stats = statistics(current_user)
    page = db.paginate(select(Consultation).order_by(Consultation.starts_at.desc(), Consultation.id.desc()),
                       per_page=PER_PAGE, error_out=False) if current_user.has_role(Role.ADMIN) else None
    regions = {region.id: region.name for region in all_regions()}
    return render_template("beratung/overview.html", stats=stats, page=page, regions=regions,
                           peak=max([held.value or 0 for _, held, _ in stats.months] + [1]))


@bp.get("/beratung/protokoll")
@role_required(Role.ADMIN)
def audit_log():
    page = db.paginate(select(CaseAccess).order_by(CaseAccess.at.desc(), CaseAccess.id.desc()), per_page=50,
                       error_out=False)
    user_ids = {row.user_id for row in page.items if row.user_id}
    names = {user.id: user.name for user in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    return render_template("beratung/audit_log.html", page=page, names=names)
