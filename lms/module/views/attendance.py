"""Recording attendance, which completes the module for those who took part enough."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from lms.auth.permissions import role_required
from lms.forms import ActionForm
from lms.i18n import _
from lms.module import queries, services
from lms.module.models import MANAGER_ROLES, EnrolmentStatus
from lms.module.views import _managed_offering, bp, clock
from lms.submit import submit


@bp.route("/qualifizierung/verwaltung/angebote/<int:offering_id>/anwesenheit", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def attendance(offering_id: int):
    now = clock()
    offering = _managed_offering(offering_id)
    rows = queries.participants(offering, statuses=(EnrolmentStatus.ENROLLED,))
    started = [date for date in offering.dates if date.starts_at <= now]
    form = ActionForm()
    if form.validate_on_submit():
        marks = {
            (row.enrolment.id, date.id): f"a-{row.enrolment.id}-{date.id}" in request.form
            for row in rows for date in started
        }
        if submit(lambda: services.record_attendance(current_user, offering, marks, now=now),
                  success=_("Die Anwesenheit wurde gespeichert.")):
            return redirect(url_for("module.attendance", offering_id=offering.id))
    return render_template(
        "module/attendance.html", offering=offering, module=offering.module, rows=rows, started=started,
        marks=services.attendance_map(offering), form=form, required=services.required_dates(offering),
        completed={completion.user_id for completion in services.completions_of(offering)},
    )
