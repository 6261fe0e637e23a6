"""A person's data and the erasure of an account: for admins on the account's page, for the person
herself under "Mein Konto" (the erasure only where LMS_ACCOUNT_SELF_ERASURE allows it)."""
from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user

from lms.auth.models import Role, User
from lms.auth.permissions import role_required
from lms.datenschutz import erasure, export
from lms.datenschutz.forms import EraseForm
from lms.datenschutz.views import bp
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _
from lms.submit import submit


def _archive(user: User) -> Response:
    now = utcnow()
    body = export.archive(current_user, user, now=now)
    db.session.commit()  # the audit entry of the export
    return Response(body, content_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{export.filename(user, now)}"',
        "Cache-Control": "no-store"})


def _account(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.erased_at is not None:
        abort(404)
    return user


@bp.route("/verwaltung/konten/<int:user_id>/datenschutz", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def person(user_id: int):
    """Art. 15 and 17 for one account: download everything stored about the person, or erase it."""
    user = _account(user_id)
    form = EraseForm(expected=user.email)
    if form.validate_on_submit() and submit(lambda: erasure.erase_account(current_user, user, now=utcnow()),
                                            form=form, field="email",
                                            success=_("Das Konto wurde gelöscht.")):
        return redirect(url_for("auth.users"))
    return render_template("datenschutz/person.html", user=user, form=form), 422 if form.errors else 200


@bp.get("/verwaltung/konten/<int:user_id>/datenschutz/personendaten.zip")
@role_required(Role.ADMIN)
def person_archive(user_id: int):
    return _archive(_account(user_id))


@bp.get("/konto/meine-daten")
@login_required
def my_archive():
    return _archive(current_user)


@bp.route("/konto/loeschen", methods=["GET", "POST"])
@login_required
def erase_mine():
    if not current_app.config["ACCOUNT_SELF_ERASURE"]:
        abort(404)
    form = EraseForm(expected=current_user.email)
    if form.validate_on_submit() and submit(
            lambda: erasure.erase_account(current_user, current_user, now=utcnow()), form=form, field="email"):
        logout_user()
        flash(_("Ihr Konto wurde gelöscht."), "success")
        return redirect(url_for("core.home"))
    return render_template("datenschutz/erase_mine.html", form=form), 422 if form.errors else 200
