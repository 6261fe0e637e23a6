"""Finding experts, an expert's free slots by week, watching for a free slot, and booking one."""
from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.auth.models import SECTOR_LABELS
from lms.auth.permissions import role_required
from lms.auth.services import all_regions
from lms.beratung import services
from lms.beratung.catalogue import BOOKABLE_TYPES, CONSULTATION_TYPES, FORMAT_LABELS
from lms.beratung.forms import BookingForm, RescheduleForm
from lms.beratung.views import FINDER_ROLES, PER_PAGE, _own, _profile_or_404, bp
from lms.db import utcnow
from lms.forms import ActionForm
from lms.i18n import _
from lms.ical import BERLIN
from lms.submit import submit


def _week_start(raw: str | None, today: date) -> date:
    """The Monday of the week asked for (a day in it), within two years of today; else this week's."""
    try:
        chosen = date.fromisoformat(raw or "")
    except ValueError:
        chosen = today
    if abs((chosen - today).days) > 730:
        chosen = today
    return chosen - timedelta(days=chosen.weekday())


def _week(profile, monday: date, now: datetime, ignore=None) -> list[tuple[date, list]]:
    slots = services.free_slots(profile, first_day=monday, last_day=monday + timedelta(days=6), now=now, ignore=ignore)
    return [(monday + timedelta(days=offset), [s for s in slots if s.day == monday + timedelta(days=offset)])
            for offset in range(7)]


@bp.get("/beratung")
@role_required(*FINDER_ROLES)
def find():
    filters = services.ExpertFilter(
        type_code=request.args.get("art", "") if request.args.get("art") in BOOKABLE_TYPES else "",
        sector=request.args.get("sektor", "") if request.args.get("sektor") in SECTOR_LABELS else "",
        region_id=request.args.get("region", type=int),
        format=request.args.get("format", "") if request.args.get("format") in FORMAT_LABELS else "",
        within_days=request.args.get("frei", type=int) if request.args.get("frei") in ("2", "7", "14") else None,
    )
    # Experts are few and sorted by their next free slot, which only Python knows: page the sorted list.
    found = services.find_experts(filters, now=utcnow())
    page = ListPage(found, max(request.args.get("page", 1, type=int), 1), PER_PAGE)
    return render_template(
        "beratung/find.html", page=page, filters=filters, referral=CONSULTATION_TYPES["org_consult_8b2"],
        type_options=[(code, kind.label) for code, kind in BOOKABLE_TYPES.items()],
        region_options=[(region.id, region.name) for region in all_regions()],
    )


class ListPage:
    """A page of an already sorted list, with the attributes the pager macro reads."""

    def __init__(self, items: list, page: int, per_page: int):
        self.total, self.page = len(items), page
        self.pages = max((self.total + per_page - 1) // per_page, 1)
        self.items = items[(page - 1) * per_page: page * per_page]
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1


@bp.get("/beratung/fachkraefte/<int:expert_id>")
@role_required(*FINDER_ROLES)
def expert(expert_id: int):
    profile = _profile_or_404(expert_id)
    now = utcnow()
    moving = None
    if request.args.get("verschieben", type=int):
        moving = _own(request.args.get("verschieben", type=int))
        if moving.booker_id != current_user.id or moving.expert_id != expert_id:
            abort(404)
    # A booking being moved frees its own slot for the others, but is not offered its own time.
    upcoming = [slot for slot in services.next_free_slots(profile, now=now, ignore=moving, limit=4)
                if moving is None or slot.starts_at != moving.starts_at][:3]
    # Without a week asked for, the view opens on the first week with a free slot, not on empty days.
    if request.args.get("woche") is None and upcoming:
        monday = _week_start(None, upcoming[0].day)
    else:
        monday = _week_start(request.args.get("woche"), now.astimezone(BERLIN).date())
    week = [(day, [slot for slot in slots if moving is None or slot.starts_at != moving.starts_at])
            for day, slots in _week(profile, monday, now, ignore=moving)]
    return render_template(
        "beratung/expert.html", profile=profile, week=week, monday=monday, upcoming=upcoming, moving=moving,
        previous_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7),
        can_book=current_user.has_role(*services.BOOKER_ROLES) and current_user.id != expert_id,
        regions={str(region.id): region.name for region in all_regions()}, form=RescheduleForm(),
        watch_form=ActionForm(),
    )


@bp.post("/beratung/fachkraefte/<int:expert_id>/vormerken")
@role_required(*services.BOOKER_ROLES)
def watch(expert_id: int):
    profile = _profile_or_404(expert_id)
    submit(lambda: services.watch(current_user, profile, now=utcnow()),
           success=_("Sie erhalten eine E-Mail, sobald bei dieser Fachkraft ein Termin frei wird."))
    return redirect(url_for("beratung.expert", expert_id=expert_id))


@bp.route("/beratung/fachkraefte/<int:expert_id>/buchen", methods=["GET", "POST"])
@role_required(*services.BOOKER_ROLES)
def book(expert_id: int):
    profile = _profile_or_404(expert_id)
    form = BookingForm(starts_at=request.args.get("beginn", "")).for_profile(profile)
    now, check, alternatives, errors = utcnow(), None, [], []
    if form.start() is None:
        abort(404)
    if form.validate_on_submit():
        outcome = submit(lambda: services.book(current_user, profile, form.to_input(), now=now), errors=errors,
                         view_handles=services.IdentifiersFound)  # the guard's findings, shown at the text
        if outcome:
            consultation = outcome.value
            flash(_("Ihre Buchung ist eingegangen. Fallcode: %(code)s", code=consultation.case_code), "success")
            return redirect(url_for("beratung.consultation", consultation_id=consultation.id))
        if isinstance(outcome.error, services.IdentifiersFound):
            check = outcome.error
        elif isinstance(outcome.error, services.SlotUnavailable):
            alternatives = outcome.error.alternatives
    return render_template(
        "beratung/book.html", form=form, profile=profile, starts_at=form.start(),
        ends_at=form.start() + timedelta(minutes=profile.slot_minutes), check=check, alternatives=alternatives,
        errors=errors, case_types=[kind.label for kind in BOOKABLE_TYPES.values() if kind.case_related],
    ), 422 if (form.errors or errors or check) else 200
