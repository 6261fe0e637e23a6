"""Expert consultation pages: finding experts, booking, "Meine Beratungen", the experts' own pages,
and statistics and the audit log for admins.

Who sees what: booker and expert see a booking and its case content (reading it is logged);
admins and coordinators see metadata and statistics; anybody else gets 404 for a booking and
trainers get 403 for the whole area.
"""
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, format_time
from flask_login import current_user
from sqlalchemy import select

from lms.auth.models import SECTOR_LABELS, Role, User
from lms.auth.permissions import require, role_required
from lms.auth.services import all_regions
from lms.beratung import services, startpage
from lms.beratung.catalogue import (
    AGE_BANDS,
    BOOKABLE_TYPES,
    CONCERNS,
    CONSULTATION_TYPES,
    FORMAT_LABELS,
    RESULTS,
    SETTINGS,
    URGENCIES,
)
from lms.beratung.forms import (
    WEEKDAYS,
    AbsenceForm,
    BookingForm,
    CaseReasonForm,
    OutcomeForm,
    ProfileForm,
    RescheduleForm,
    WindowForm,
    parse_slot,
)
from lms.beratung.models import Absence, AvailabilityWindow, CaseAccess, Consultation
from lms.beratung.statistics import statistics
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.extensions import db
from lms.forms import ActionForm, ReasonForm
from lms.i18n import _, _l
from lms.ical import BERLIN
from lms.startpage import register_section_provider
from lms.submit import submit

bp = Blueprint("beratung", __name__)
PER_PAGE = 20
FINDER_ROLES = (Role.PARTNER, Role.COORDINATOR, Role.EXPERT, Role.ADMIN)
MEMBER_ROLES = (*services.BOOKER_ROLES, Role.EXPERT)
OVERSEER_ROLES = (Role.ADMIN, Role.COORDINATOR)
LABELS = {"types": {code: kind.label for code, kind in CONSULTATION_TYPES.items()}, "formats": FORMAT_LABELS,
          "sectors": SECTOR_LABELS, "age_bands": AGE_BANDS, "concerns": CONCERNS, "settings": SETTINGS,
          "urgencies": URGENCIES, "results": RESULTS, "weekdays": WEEKDAYS}


@bp.record_once
def _register_start_sections(state) -> None:
    register_section_provider(state.app, startpage.sections)


@bp.context_processor
def _labels():
    return {"labels": LABELS}


def _profile_or_404(expert_id: int):
    profile = services.bookable_profile(expert_id)
    if profile is None:
        abort(404)
    return profile


def _visible(consultation_id: int) -> Consultation:
    """The booking if the current user may see it at all (`Consultation.can_view`); 404 otherwise,
    revealing nothing."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not consultation.can_view(current_user):
        abort(404)
    return consultation


def _own(consultation_id: int) -> Consultation:
    """The booking if the current user is its booker or its expert."""
    consultation = services.booking_of(current_user, consultation_id)
    if consultation is None:
        abort(404)
    return consultation


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


# --- finding experts and booking ------------------------------------------------------------

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


# --- bookings -------------------------------------------------------------------------------

@bp.get("/beratung/buchungen")
@role_required(*MEMBER_ROLES)
def mine():
    now = utcnow()
    upcoming = request.args.get("ansicht") != "vergangen"
    as_expert = current_user.has_role(Role.EXPERT) and request.args.get("als") != "buchende"
    query = services.consultations_of(current_user, as_expert=as_expert, upcoming=upcoming, now=now)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("beratung/mine.html", page=page, upcoming=upcoming, as_expert=as_expert, now=now,
                           conflicts=services.conflicts(current_user, now=now) if as_expert else [])


@bp.get("/beratung/buchungen/<int:consultation_id>")
@role_required(*MEMBER_ROLES, Role.ADMIN)
def consultation(consultation_id: int):
    consultation = _visible(consultation_id)
    now = utcnow()
    case = None
    if consultation.is_party(current_user):
        case = services.read_case(current_user, consultation, now=now)
        db.session.commit()  # the audit entry of this read
    return _consultation_page(consultation, case=case, now=now)


def _consultation_page(consultation: Consultation, *, case=None, now: datetime, reveal_form=None,
                       booker_shown: bool = False, status: int = 200, forms=None, checks=None):
    """The booking's page; *forms* and *checks* (by form name) re-show a refused free text with the
    guard's findings."""
    forms = forms or {}
    outcome_form = forms.get("outcome") or OutcomeForm()
    if case and case.outcome_visible and "outcome" not in forms:
        outcome_form.outcome.data, outcome_form.result.data = case.outcome, case.result or ""
    return render_template(
        "beratung/consultation.html", consultation=consultation, case=case, now=now,
        type=CONSULTATION_TYPES[consultation.type_code],
        decline_form=forms.get("decline") or CaseReasonForm(prefix="decline"),
        cancel_form=forms.get("cancel") or CaseReasonForm(prefix="cancel"), action_form=ActionForm(),
        reveal_form=reveal_form or ReasonForm(prefix="reveal"), outcome_form=outcome_form, checks=checks or {},
        is_expert=current_user.id == consultation.expert_id, is_booker=current_user.id == consultation.booker_id,
        booker_shown=booker_shown or consultation.is_party(current_user),
    ), status


def _refused(consultation: Consultation, name: str, form, check=None):
    """The booking's page again (422) with the refused form: its errors at their fields, or the guard's
    findings in its free text (*check*). Nothing is saved; the case shown is a logged read."""
    now = utcnow()
    case = services.read_case(current_user, consultation, now=now)
    db.session.commit()  # the audit entry of this read
    return _consultation_page(consultation, case=case, now=now, forms={name: form},
                              checks={name: check} if check else None, status=422)


def _save_free_text(consultation: Consultation, name: str, form, action, success: str):
    """Run *action*; when the guard refuses the form's free text, show the page again (422) with
    the text and its findings, saving nothing. Other refusals are flashed, as elsewhere."""
    outcome = submit(action, success=success, view_handles=services.IdentifiersFound)
    if isinstance(outcome.error, services.IdentifiersFound):
        return _refused(consultation, name, form, outcome.error)
    return _back(consultation)


def _when(starts_at: datetime, ends_at: datetime) -> str:
    return _("%(start)s–%(end)s Uhr", start=format_datetime(starts_at, "EEEE, dd.MM.yyyy, HH:mm"),
             end=format_time(ends_at, "HH:mm"))


def _with_reason(consultation: Consultation, name: str, form, question, action, success: str):
    """Decline or cancel with a reason: the reason is checked (given, and passing the guard), then the
    confirmation page names what happens (*question*, None when the action is no longer possible and
    the service should say why), and only its answer runs *action*."""
    if not form.validate_on_submit():
        return _refused(consultation, name, form)
    if question is not None and not is_confirmed():
        try:
            services.check_free_text(form.reason.data, field=_l("Begründung"), confirmed=form.confirmed.confirmed())
        except services.IdentifiersFound as error:
            return _refused(consultation, name, form, error)
        return ask(question)
    return _save_free_text(consultation, name, form, action, success)


@bp.post("/beratung/buchungen/<int:consultation_id>/buchende-person")
@role_required(Role.ADMIN)
def reveal_booker(consultation_id: int):
    """An admin has the booker's name shown, for this answer only, with a reason the audit log keeps."""
    consultation = _visible(consultation_id)
    now = utcnow()
    form = ReasonForm(prefix="reveal")
    if not form.validate_on_submit():
        return _consultation_page(consultation, now=now, reveal_form=form, status=422)
    services.reveal_booker(current_user, consultation, reason=form.reason.data, now=now)
    db.session.commit()
    return _consultation_page(consultation, now=now, booker_shown=True)


def _back(consultation: Consultation):
    return redirect(url_for("beratung.consultation", consultation_id=consultation.id))


@bp.post("/beratung/buchungen/<int:consultation_id>/bestaetigen")
@role_required(Role.EXPERT)
def confirm(consultation_id: int):
    consultation = _own(consultation_id)
    submit(lambda: services.confirm(current_user, consultation, now=utcnow()), success=_("Der Termin ist bestätigt."))
    return _back(consultation)


def _reason_question(consultation: Consultation, form: CaseReasonForm, title: str, button: str,
                     consequences: list[str]) -> Confirmation:
    """The confirmation step of an action that ends a booking with the person's reason."""
    return Confirmation(
        title=title, button=button, consequences=consequences,
        subject=_("Fachberatung %(code)s am %(when)s", code=consultation.case_code,
                  when=_when(consultation.starts_at, consultation.ends_at)),
        cancel_url=url_for("beratung.consultation", consultation_id=consultation.id),
        quoted=form.reason.data or "", quoted_label=_("Ihre Begründung"))


@bp.post("/beratung/buchungen/<int:consultation_id>/ablehnen")
@role_required(Role.EXPERT)
def decline(consultation_id: int):
    consultation = _own(consultation_id)
    form = CaseReasonForm(prefix="decline")
    question = _reason_question(consultation, form, _("Wirklich die Anfrage ablehnen?"), _("Anfrage ablehnen"), [
        _("Die buchende Person erhält eine E-Mail, dass Sie abgelehnt haben, und sieht Ihre Begründung auf "
          "der Buchungsseite."),
        _("Der Termin ist sofort wieder frei und wird aus den Kalendern genommen."),
        _("Eine Ablehnung lässt sich nicht zurücknehmen."),
    ]) if consultation.status == "requested" and consultation.starts_at > utcnow() else None
    return _with_reason(consultation, "decline", form, question, lambda: services.decline(
        current_user, consultation, reason=form.reason.data or "", now=utcnow(), confirmed=form.confirmed.confirmed()),
        _("Die Anfrage ist abgelehnt."))


@bp.post("/beratung/buchungen/<int:consultation_id>/absagen")
@role_required(*MEMBER_ROLES)
def cancel(consultation_id: int):
    consultation = _own(consultation_id)
    form = CaseReasonForm(prefix="cancel")
    other = _("Die Fachkraft") if current_user.id == consultation.booker_id else _("Die buchende Person")
    question = _reason_question(consultation, form, _("Wirklich den Termin absagen?"), _("Termin absagen"), [
        _("%(other)s erhält eine E-Mail über die Absage und sieht Ihre Begründung auf der Buchungsseite.",
          other=other),
        _("Der Termin ist sofort wieder frei, auch für andere, und wird aus den Kalendern genommen."),
        _("Eine Absage lässt sich nicht zurücknehmen: Für eine Beratung buchen Sie einen neuen Termin."),
    ]) if consultation.holds_slot and consultation.starts_at > utcnow() else None
    return _with_reason(consultation, "cancel", form, question, lambda: services.cancel(
        current_user, consultation, reason=form.reason.data or "", now=utcnow(), confirmed=form.confirmed.confirmed()),
        _("Der Termin ist abgesagt."))


def _move_question(consultation: Consultation, slot, choose_again: str) -> Confirmation:
    consequences = [
        _("Ihr bisheriger Termin wird sofort frei und kann von anderen gebucht werden."),
        _("Die Fachkraft erhält eine E-Mail; der Termin wird in den Kalendern verlegt."),
    ]
    if not services.profile_of(consultation.expert).auto_confirm:
        consequences.append(_("Der neue Termin wartet wieder auf die Bestätigung der Fachkraft."))
    return Confirmation(
        title=_("Wirklich den Termin verschieben?"),
        subject=_("Fachberatung %(code)s bei %(name)s", code=consultation.case_code, name=consultation.expert.name),
        details=[(_("Bisher"), _when(consultation.starts_at, consultation.ends_at)),
                 (_("Neu"), _when(slot.starts_at, slot.ends_at))],
        button=_("Termin verschieben"), cancel_url=choose_again, consequences=consequences)


@bp.post("/beratung/buchungen/<int:consultation_id>/verschieben")
@role_required(*services.BOOKER_ROLES)
def reschedule(consultation_id: int):
    consultation = _own(consultation_id)
    starts_at = parse_slot(RescheduleForm().starts_at.data)
    if starts_at is None:
        abort(400)
    choose_again = url_for("beratung.expert", expert_id=consultation.expert_id, verschieben=consultation.id)
    if not is_confirmed():
        outcome = submit(lambda: services.check_move(current_user, consultation, starts_at, now=utcnow()))
        return ask(_move_question(consultation, outcome.value, choose_again)) if outcome else redirect(choose_again)
    if not submit(lambda: services.reschedule(current_user, consultation, starts_at, now=utcnow()),
                  success=_("Der Termin ist verschoben.")):
        return redirect(choose_again)
    return _back(consultation)


@bp.post("/beratung/buchungen/<int:consultation_id>/ergebnis")
@role_required(Role.EXPERT)
def outcome(consultation_id: int):
    consultation = _own(consultation_id)
    form = OutcomeForm()
    if not form.validate():
        return _refused(consultation, "outcome", form)
    return _save_free_text(consultation, "outcome", form, lambda: services.record_outcome(
        current_user, consultation, outcome=form.outcome.data or "", result=form.result.data or None, now=utcnow(),
        confirmed=form.confirmed.confirmed()), _("Die Dokumentation ist gespeichert."))


# --- the expert's own pages -----------------------------------------------------------------

@bp.route("/beratung/profil", methods=["GET", "POST"])
@role_required(Role.EXPERT)
def profile():
    existing = services.profile_of(current_user)
    form = ProfileForm()
    form.regions.choices = [(region.id, region.name) for region in all_regions()]
    if request.method == "GET" and existing is not None:
        form.fill(existing)
    errors = []
    if form.validate_on_submit() and submit(
            lambda: services.save_profile(current_user, current_user, form.to_input(), now=utcnow()), errors=errors,
            success=_("Ihr Profil ist gespeichert.")):
        return redirect(url_for("beratung.availability"))
    return render_template("beratung/profile_form.html", form=form, errors=errors, profile=existing), \
        422 if (form.errors or errors) else 200


def _availability_page(window_form=None, absence_form=None, errors=(), failed=None):
    """The availability page; *failed* names the form that was refused, *errors* the service's reasons."""
    now = utcnow()
    return render_template(
        "beratung/availability.html", profile=services.profile_of(current_user),
        windows=services.windows_of(current_user), absences=services.absences_of(current_user),
        conflicts=services.conflicts(current_user, now=now), window_form=window_form or WindowForm(),
        absence_form=absence_form or AbsenceForm(), action_form=ActionForm(), errors=errors, failed=failed, now=now,
    ), 422 if failed else 200


@bp.get("/beratung/verfuegbarkeit")
@role_required(Role.EXPERT)
def availability():
    return _availability_page()


def _save_availability(form_name: str, form, save, saved: str):
    """Validate an availability form and run *save* with it; bad input or a refused rule re-renders
    the page with the form, its errors at their fields and the service's reason, saving nothing."""
    errors = []
    if form.validate_on_submit() and submit(lambda: save(form), errors=errors, success=saved):
        return redirect(url_for("beratung.availability"))
    return _availability_page(**{form_name: form}, errors=errors, failed=form_name)


@bp.post("/beratung/verfuegbarkeit/zeitfenster")
@role_required(Role.EXPERT)
def add_window():
    return _save_availability(
        "window_form", WindowForm(),
        lambda form: services.add_window(current_user, current_user, form.to_input(), now=utcnow()),
        _("Das Zeitfenster ist gespeichert."))


@bp.post("/beratung/verfuegbarkeit/zeitfenster/<int:window_id>/loeschen")
@role_required(Role.EXPERT)
def remove_window(window_id: int):
    window = db.get_or_404(AvailabilityWindow, window_id)
    require(window.expert_id == current_user.id)
    if not is_confirmed():
        every = _("einmalig am %(day)s", day=format_date(window.day, "dd.MM.yyyy")) if window.day \
            else _("jeden %(weekday)s", weekday=WEEKDAYS[window.weekday])
        return ask(Confirmation(
            title=_("Wirklich das Zeitfenster entfernen?"),
            subject=_("%(every)s, %(start)s–%(end)s Uhr", every=every, start=window.start_time.strftime("%H:%M"),
                      end=window.end_time.strftime("%H:%M")),
            button=_("Zeitfenster entfernen"), cancel_url=url_for("beratung.availability"), consequences=[
                _("In diesem Zeitfenster kann niemand mehr einen Termin bei Ihnen buchen."),
                _("Bestehende Buchungen darin bleiben bestehen und erscheinen als Konflikt; sagen Sie sie "
                  "gegebenenfalls einzeln ab."),
            ]))
    submit(lambda: services.remove_window(current_user, window, now=utcnow()),
           success=_("Das Zeitfenster ist entfernt."))
    return redirect(url_for("beratung.availability"))


@bp.post("/beratung/verfuegbarkeit/abwesenheiten")
@role_required(Role.EXPERT)
def add_absence():
    return _save_availability(
        "absence_form", AbsenceForm(),
        lambda form: services.add_absence(current_user, current_user, form.first_day.data, form.last_day.data,
                                          form.note.data or "", now=utcnow()),
        _("Die Abwesenheit ist gespeichert."))


@bp.post("/beratung/verfuegbarkeit/abwesenheiten/<int:absence_id>/loeschen")
@role_required(Role.EXPERT)
def remove_absence(absence_id: int):
    absence = db.get_or_404(Absence, absence_id)
    require(absence.expert_id == current_user.id)
    if not is_confirmed():
        return ask(Confirmation(
            title=_("Wirklich die Abwesenheit entfernen?"),
            subject=_("%(first)s–%(last)s", first=format_date(absence.first_day, "dd.MM.yyyy"),
                      last=format_date(absence.last_day, "dd.MM.yyyy")) + (f" ({absence.note})" if absence.note else ""),
            button=_("Abwesenheit entfernen"), cancel_url=url_for("beratung.availability"), consequences=[
                _("An diesen Tagen sind Ihre Zeitfenster sofort wieder buchbar."),
                _("Bis Sie die Abwesenheit wieder eintragen, kann jemand an diesen Tagen einen Termin bei Ihnen "
                  "buchen."),
            ]))
    submit(lambda: services.remove_absence(current_user, absence, now=utcnow()),
           success=_("Die Abwesenheit ist entfernt."))
    return redirect(url_for("beratung.availability"))


# --- statistics and audit log ---------------------------------------------------------------

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


@bp.app_template_filter("slot_value")
def slot_value(moment: datetime) -> str:
    """A slot start as it travels in links and forms (UTC, ISO 8601)."""
    return moment.astimezone(UTC).isoformat()

