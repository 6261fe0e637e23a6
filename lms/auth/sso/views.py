"""Sign-in through a provider: the way there and the way back."""
from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user

from lms.auth import services
from lms.auth.sso import accounts, oidc, providers
from lms.auth.sso.person import SignInRace
from lms.db import utcnow
from lms.extensions import limiter
from lms.i18n import _
from lms.links import external_url
from lms.redirects import safe_target
from lms.submit import submit

bp = Blueprint("sso", __name__)
_NEXT, PROVIDER = "lms.sso.next", "lms.sso.provider"


def _provider(name: str):
    return providers.get(name) or abort(404)


@bp.get("/anmelden/mit/<name>")
def start(name: str):
    provider = _provider(name)
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    session[_NEXT] = safe_target(request.args.get("next"), url_for("core.home"))
    outcome = submit(lambda: oidc.start(provider, external_url("sso.callback", name=name)))
    return outcome.value if outcome else redirect(url_for("auth.login"))


@bp.get("/anmelden/mit/<name>/zurueck")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], deduct_when=lambda _r: g.get("login_failed", False))
def callback(name: str):
    provider = _provider(name)

    def sign_in():
        person = oidc.finish(provider)
        now = utcnow()
        user = accounts.sign_in(person, label=provider.label, roles=provider.roles_for(person.groups), now=now)
        services.start_session(user, now=now)
        return user

    outcome = submit(sign_in, lost_race=SignInRace)
    if not outcome:  # a forged or replayed answer counts against the address, like a wrong password
        g.login_failed = True
        return redirect(url_for("auth.login"))
    login_user(outcome.value)
    session[PROVIDER] = provider.id
    welcome(outcome.value)
    return redirect(session.pop(_NEXT, None) or url_for("core.home"))


def welcome(user) -> None:
    """The message after a sign-in; a person the directory's groups grant no role is told so."""
    label = providers.label_of(user.directory) if user.directory else None
    if user.roles:
        flash(_("Sie sind über %(provider)s angemeldet.", provider=label) if label else _("Sie sind angemeldet."),
              "success")
    else:
        flash(_("Sie sind angemeldet, haben in lms aber noch keine Rolle: Ihre Organisation vergibt die Rollen "
                "über Gruppen. Bitte wenden Sie sich an Ihre Administration."), "warning")
