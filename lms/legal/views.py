"""Impressum, Datenschutzerklärung and Erklärung zur Barrierefreiheit: public pages linked from the
footer of every page, their texts set by admins."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from lms.auth.models import Role
from lms.auth.permissions import role_required
from lms.db import utcnow
from lms.i18n import _
from lms.legal import services
from lms.legal.forms import LegalTextForm
from lms.legal.models import PAGES
from lms.submit import submit

bp = Blueprint("legal", __name__)


@bp.get("/<any(impressum, datenschutz, barrierefreiheit):slug>")
def show(slug: str):
    return render_template("legal/page.html", page=services.page(slug))


@bp.route("/verwaltung/rechtliches/<slug>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(slug: str):
    if slug not in PAGES:
        abort(404)
    page = services.page(slug)
    form = LegalTextForm(data={"body": "" if page.is_draft else page.body})
    if form.validate_on_submit() and submit(lambda: services.save(current_user, slug, form.body.data, now=utcnow()),
                                            form=form, field="body",
                                            success=_("„%(title)s“ ist gespeichert.", title=page.title)):
        return redirect(url_for("legal.show", slug=slug))
    return render_template("legal/edit.html", page=page, form=form, pages=PAGES), 422 if form.errors else 200


def footer_links() -> list[tuple[str, object]]:
    """The footer's links, for every page."""
    return [(url_for("legal.show", slug=slug), title) for slug, title in PAGES.items()]


def init_legal(app) -> None:
    app.jinja_env.globals["legal_links"] = footer_links
