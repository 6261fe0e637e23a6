"""The expert's own pages: the profile, the weekly or one-off time windows and the absences."""
from flask import redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user

from lms.auth.models import Role
from lms.auth.permissions import require, role_required
from lms.auth.services import all_regions
from lms.beratung import services
from lms.beratung.forms import WEEKDAYS, AbsenceForm, ProfileForm, WindowForm
from lms.beratung.models import Absence, AvailabilityWindow
from lms.beratung.views import bp
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.extensions import db
from lms.forms import ActionForm
from lms.i18n import _
from lms.submit import submit


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
