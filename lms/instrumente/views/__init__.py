"""The library: search, instrument pages with versions and downloads, editing, review, Merkliste.

A published instrument's proposed new version has its own page (/instrumente/<id>/neue-fassung) for
its author and the reviewers; everybody else sees, finds and downloads the current version only.

The blueprint and what several pages share live here; the pages are in one module per aggregate:
`library` (search, an instrument's page, downloads), `editing` (new, edit, drafts and reviews in
progress), `review` (submitting, reviewing, new versions, withdrawing, deleting) and `bookmarks`
(the Merkliste).
"""
from flask import Blueprint, current_app, redirect, url_for

from lms.auth.permissions import permitted, visible_or_404
from lms.i18n import _
from lms.instrumente import queries
from lms.instrumente.models import EDITOR_ROLES, REVIEWER_ROLES, Instrument
from lms.navigation import Notice, register_notice_provider
from lms.submit import submit as submit_action

bp = Blueprint("instrumente", __name__)
PER_PAGE = 20


@bp.context_processor
def _role_groups():
    """The library's role groups, so that its templates ask the rule, not role names."""
    return {"editor_roles": EDITOR_ROLES, "reviewer_roles": REVIEWER_ROLES}


def usages(instrument: Instrument) -> list[tuple[str, str]]:
    """(label, url) of the places that use *instrument*, from the providers higher packages registered."""
    return [item for provider in current_app.extensions.get("instrument_usage", ()) for item in provider(instrument)]


def register_usage_provider(app, provider) -> None:
    app.extensions.setdefault("instrument_usage", []).append(provider)


def review_notices(user) -> list[Notice]:
    """The start page's "waits for your review" line for trainers and admins (one query)."""
    count = queries.waiting_for_review_count(user)
    if not count:
        return []
    return [Notice(label=_("Wartet auf Ihre Prüfung (%(count)d)", count=count),
                   url=url_for("instrumente.drafts", ansicht="pruefen"),
                   description=_("Entwürfe und neue Fassungen veröffentlichter Instrumente, die eine zweite Person "
                                 "freigeben muss."))]


@bp.record_once
def _register_notices(state) -> None:
    register_notice_provider(state.app, review_notices)


def _visible(instrument_id: int) -> Instrument:
    return visible_or_404(Instrument, instrument_id)


def _editable(instrument_id: int) -> Instrument:
    return permitted(Instrument, instrument_id, Instrument.can_edit)


def _act(instrument: Instrument, action, success: str):
    submit_action(action, success=success)
    return redirect(url_for("instrumente.detail", instrument_id=instrument.id))


# The pages, by aggregate; importing them registers their routes on `bp`.
from lms.instrumente.views import bookmarks, editing, library, review  # noqa: E402, F401
