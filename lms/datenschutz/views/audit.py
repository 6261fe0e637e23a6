"""The audit trail of administrative actions, for admins: filters, newest first, paged."""
from datetime import date

from flask import render_template, request

from lms.audit import ACTIONS, DETAIL_LABELS
from lms.auth.models import Role
from lms.auth.permissions import role_required
from lms.datenschutz import audit_log
from lms.datenschutz.views import bp
from lms.extensions import db

PER_PAGE = 50


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/verwaltung/protokoll")
@role_required(Role.ADMIN)
def audit_trail():
    action = request.args.get("aktion", "")
    filters = audit_log.Filters(
        action=action if action in ACTIONS else "", person=request.args.get("person", "").strip()[:100],
        person_id=request.args.get("konto", type=int), since=_day("von"), until=_day("bis"))
    page = db.paginate(audit_log.entries(filters), per_page=PER_PAGE, error_out=False)
    return render_template("datenschutz/audit.html", page=page, filters=filters, actions=ACTIONS,
                           labels=DETAIL_LABELS, people=audit_log.names_of(page.items))
