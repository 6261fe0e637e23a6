"""Catalogue, offering pages, enrolment, "Mein Lernen", certificates, and the trainers' pages.

The blueprint and what several pages share live here; the pages themselves are in one module per
aggregate: `catalogue` (public module and offering pages), `certificates` (checking and downloading
them), `enrolment` (signing up, withdrawing, "Mein Lernen"), `modules` and `offerings` (the trainers'
editing), `participants` (the list, requests, admission, export) and `attendance`."""
from flask import Blueprint, current_app, url_for
from flask_babel import format_date

from lms.auth.permissions import permitted, visible_or_404
from lms.db import utcnow
from lms.i18n import _
from lms.module import services, startpage
from lms.module.models import Module, Offering
from lms.startpage import register_section_provider

bp = Blueprint("module", __name__)
PER_PAGE = 20


@bp.record_once
def _register_start_sections(state) -> None:
    register_section_provider(state.app, startpage.sections)


def _visible_module(module_id: int) -> Module:
    return visible_or_404(Module, module_id)


def _visible_offering(offering_id: int) -> Offering:
    return visible_or_404(Offering, offering_id)


def _managed_offering(offering_id: int) -> Offering:
    return permitted(Offering, offering_id, Offering.can_manage)


def register_panel(app, provider) -> None:
    """Let a higher package add (label, detail) lines about a module to its page."""
    app.extensions.setdefault("module_panels", []).append(provider)


def _panels(module: Module) -> list[tuple[str, str]]:
    return [line for provider in current_app.extensions.get("module_panels", ()) for line in provider(module)]


def instrument_usage(instrument) -> list[tuple[str, str]]:
    """For the instrument pages: the modules that use an instrument as course material."""
    return [(module.title, url_for("module.module_detail", module_id=module.id))
            for module in services.modules_using(instrument)]


def _offering_line(offering: Offering) -> str:
    """The offering named on a confirmation page: its module and first day."""
    return _("%(title)s, Beginn am %(date)s", title=offering.module.title,
             date=format_date(offering.first_starts_at, "dd.MM.yyyy"))


def _form_errors(form) -> str:
    """The form's error messages (lazy strings) as one text for a flash message."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def clock():
    """The app's clock, looked up here at each call: the browser tests move it on by setting this
    package's `utcnow`."""
    return utcnow()


# The pages, by aggregate; importing them registers their routes on `bp`.
from lms.module.views import attendance, catalogue, certificates, enrolment, modules, offerings, participants  # noqa: E402, F401
