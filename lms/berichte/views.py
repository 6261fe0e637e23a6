"""The annual report's pages: the choice of region and year, the report as a page, and its XLSX and
PDF downloads. Coordinators read their own region's report, admins every region's and the Land's."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from lms.auth.models import Region, Role
from lms.auth.permissions import require, role_required
from lms.auth.services import all_regions
from lms.berichte import exports, figures
from lms.berichte.report import Report, build, can_read, years
from lms.db import utcnow
from lms.extensions import db
from lms.ical import BERLIN

bp = Blueprint("berichte", __name__)
READER_ROLES = (Role.ADMIN, Role.COORDINATOR)


@bp.record_once
def _check_figures(state) -> None:
    figures.chosen(state.app.config["REPORT_FIGURES"])  # an unknown key stops the app when it starts


@bp.get("/berichte")
@role_required(*READER_ROLES)
def index():
    """Choose a region (admins also the Land) and a year; the choice opens that report."""
    if "jahr" in request.args:
        return redirect(url_for(".report", year=request.args.get("jahr", type=int) or 0,
                                region=request.args.get("region", type=int)))
    now = utcnow()
    return render_template(
        "berichte/index.html", regions=[region for region in all_regions() if can_read(current_user, region.id)],
        land=can_read(current_user, None), years=years(now), chosen_year=now.astimezone(BERLIN).year - 1)


def _report(year: int) -> Report:
    """The report the address names: 404 for a year out of range or an unknown region, 403 for a
    region (or the Land) the person may not read."""
    now = utcnow()
    if year not in years(now):
        abort(404)
    region = None
    if request.args.get("region"):
        region_id = request.args.get("region", type=int)
        region = db.session.get(Region, region_id) if region_id else None
        if region is None:
            abort(404)
    require(can_read(current_user, region.id if region else None))
    return build(current_user, region, year, now=now)


@bp.get("/berichte/<int:year>")
@role_required(*READER_ROLES)
def report(year: int):
    return render_template("berichte/report.html", report=_report(year))


@bp.get("/berichte/<int:year>.xlsx", defaults={"kind": "xlsx"})
@bp.get("/berichte/<int:year>.pdf", defaults={"kind": "pdf"})
@role_required(*READER_ROLES)
def download(year: int, kind: str):
    body, content_type, disposition = exports.attachment(_report(year), kind)
    return Response(body, content_type=content_type, headers={"Content-Disposition": disposition})
