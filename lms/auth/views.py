"""Sign-in, own account, password reset, invitations and the admin's account pages."""
from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import services, startpage
from lms.auth.forms import (
    AcceptInvitationForm,
    AccountForm,
    ChangePasswordForm,
    DirectoryLoginForm,
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    ProfileForm,
    RegionForm,
    ResetPasswordForm,
)
from lms.auth.models import ROLE_LABELS, Invitation, Role, User
from lms.auth.permissions import role_required
from lms.auth.queries import open_invitations_query, users_query
from lms.auth.sso import ldap, oidc
from lms.auth.sso import providers as sso_providers
from lms.auth.sso import views as sso_views
from lms.auth.sso.person import SignInRace
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db, limiter, login_manager
from lms.i18n import _, _l
from lms.links import external_url
from lms.redirects import safe_target
from lms.startpage import register_section_provider
from lms.submit import submit

bp = Blueprint("auth", __name__)
PER_PAGE = 25


@bp.record_once
def _register_start_sections(state) -> None:
    register_section_provider(state.app, startpage.sections)


def init_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Bitte melden Sie sich an, um diese Seite aufzurufen.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(identifier: str) -> User | None:
    return services.session_user(identifier, now=utcnow())


def _safe_next(default: str) -> str:
    """The `next` the sign-in page was given, if it is a path on this site (`lms.redirects`), else *default*."""
    return safe_target(request.args.get("next"), default)


def _account_key() -> str:
    return "login-account:" + services.normalize_email(request.form.get("email", ""))[:254]


def _login_failed(_response) -> bool:
    return g.get("login_failed", False)


@bp.route("/anmelden", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_login_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = DirectoryLoginForm() if sso_providers.directory() else LoginForm()
    errors = []
    if form.validate_on_submit():
        def sign_in():
            now = utcnow()
            user = ldap.password_sign_in(form.email.data, form.password.data, now=now)
            if user is not None:
                services.start_session(user, now=now)
            return user

        outcome = submit(sign_in, errors=errors, lost_race=SignInRace)
        if outcome and outcome.value is not None:
            login_user(outcome.value, remember=form.remember.data)
            sso_views.welcome(outcome.value)
            return redirect(_safe_next(url_for("core.home")))
        g.login_failed = True
        errors = errors or [_("E-Mail-Adresse oder Passwort ist nicht korrekt, oder das Konto ist deaktiviert.")]
    error = errors[0] if errors else None
    return render_template("auth/login.html", form=form, error=error,
                           sso_providers=list(sso_providers.configured().values())), 200 if error is None else 401


@bp.post("/abmelden")
@login_required
def logout():
    """End the lms session; after a provider's sign-in, offer to end that one too (RP-initiated logout)."""
    services.end_session(current_user)
    db.session.commit()
    logout_user()
    provider = sso_providers.get(session.pop(sso_views.PROVIDER, None) or "")
    provider_logout = provider and oidc.logout_url(provider, external_url("auth.login"))
    if provider_logout:
        return render_template("auth/signed_out.html", provider=provider, provider_logout=provider_logout)
    flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/konto", methods=["GET", "POST"])
@login_required
def account():
    profile = ProfileForm(obj=current_user, prefix="profile")
    password = ChangePasswordForm(prefix="password")
    if profile.validate_on_submit():
        services.update_profile(current_user, name=profile.name.data, locale=profile.locale.data)
        db.session.commit()
        flash(_("Ihre Angaben wurden gespeichert."), "success")
        return redirect(url_for("auth.account"))
    status = 422 if profile.errors else 200
    return render_template("auth/account.html", profile=profile, password=password), status


@bp.post("/konto/passwort")
@login_required
def change_password():
    profile = ProfileForm(obj=current_user, prefix="profile", formdata=None)
    password = ChangePasswordForm(prefix="password")
    if password.validate_on_submit() and submit(
            lambda: services.change_password(current_user, current=password.current.data, new=password.password.data),
            form=password, field="current"):
        login_user(current_user._get_current_object())  # keep this session alive under the new stamp
        flash(_("Ihr Passwort wurde geändert. Andere Sitzungen wurden abgemeldet."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", profile=profile, password=password), 422


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, now=utcnow())
        db.session.commit()
        flash(
            _("Wenn ein Konto mit dieser Adresse besteht, haben wir einen Link zum Zurücksetzen geschickt."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/passwort-zuruecksetzen/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except DomainError as error:
        return render_template("auth/link_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        db.session.commit()
        flash(_("Ihr Passwort wurde geändert. Bitte melden Sie sich an."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/einladung/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    now = utcnow()
    try:
        invitation = services.invitation_for_token(token, now=now)
    except DomainError as error:
        return render_template("auth/link_invalid.html", message=error.message), 400
    form = AcceptInvitationForm()
    def accept():
        user = services.accept_invitation(token, password=form.password.data, now=now)
        if current_user.is_authenticated:
            services.end_session(current_user)
        services.start_session(user, now=now)
        return user

    if form.validate_on_submit():
        outcome = submit(accept, view_handles=DomainError)  # a refusal is the invalid link's page
        if not outcome:
            return render_template("auth/link_invalid.html", message=outcome.error.message), 400
        logout_user()
        login_user(outcome.value)
        flash(_("Willkommen! Ihr Konto ist eingerichtet."), "success")
        return redirect(url_for("core.home"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation)


# --- administration -------------------------------------------------------------------------

@bp.get("/verwaltung/konten")
@role_required(Role.ADMIN)
def users():
    search = request.args.get("q", "")[:100]
    role = request.args.get("rolle", "")
    role = role if role in {r.value for r in Role} else ""
    region_id = request.args.get("region", type=int)
    page = db.paginate(
        users_query(search=search, role=role, region_id=region_id), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "auth/users.html", page=page, search=search, role=role, region_id=region_id,
        regions=services.all_regions(), role_labels=ROLE_LABELS,
    )


@bp.route("/verwaltung/konten/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    regions = services.all_regions()
    form = AccountForm(obj=user, regions=regions)
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
        form.region.data = user.region_id
        form.sector.data = user.sector or ""
    if form.validate_on_submit() and submit(lambda: services.update_account(
            current_user, user, name=form.name.data, roles=form.roles.data,
            region=services.get_region(form.region.data), sector=form.sector.data or None,
            organisation=form.organisation.data, active=form.active.data, now=utcnow(),
    ), success=_("Das Konto wurde gespeichert.")):
        return redirect(url_for("auth.users"))
    return render_template("auth/edit_user.html", form=form, user=user)


@bp.route("/verwaltung/einladungen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def invitations():
    now = utcnow()
    form = InvitationForm(regions=services.all_regions())
    if form.validate_on_submit() and submit(lambda: services.invite(
            current_user, email=form.email.data, name=form.name.data, roles=form.roles.data,
            region=services.get_region(form.region.data), sector=form.sector.data or None, now=now,
    ), form=form, field="email", success=_("Die Einladung an %(email)s wurde verschickt.", email=form.email.data)):
        return redirect(url_for("auth.invitations"))
    page = db.paginate(open_invitations_query(now=now), per_page=PER_PAGE, error_out=False)
    status = 422 if form.errors else 200
    return render_template("auth/invitations.html", form=form, page=page), status


@bp.post("/verwaltung/einladungen/<int:invitation_id>/widerrufen")
@role_required(Role.ADMIN)
def revoke_invitation(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if invitation.accepted_at is None and invitation.revoked_at is None and not is_confirmed():
        return ask(Confirmation(
            title=_("Wirklich die Einladung widerrufen?"),
            subject=_("%(name)s, %(email)s", name=invitation.name, email=invitation.email),
            button=_("Einladung widerrufen"), cancel_url=url_for("auth.invitations"), consequences=[
                _("Der Link in der Einladung funktioniert sofort nicht mehr; die Person kann ihr Konto damit "
                  "nicht mehr einrichten."),
                _("Die Person erfährt davon nichts. Soll sie doch ein Konto erhalten, laden Sie sie neu ein."),
            ]))
    services.revoke_invitation(current_user, invitation, now=utcnow())
    db.session.commit()
    flash(_("Die Einladung wurde widerrufen."), "success")
    return redirect(url_for("auth.invitations"))


@bp.route("/verwaltung/regionen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def regions():
    form = RegionForm()
    if form.validate_on_submit() and submit(
            lambda: services.create_region(current_user, name=form.name.data, kind=form.kind.data, now=utcnow()),
            form=form, field="name", success=_("Die Region wurde angelegt.")):
        return redirect(url_for("auth.regions"))
    return render_template("auth/regions.html", form=form, regions=services.all_regions()), 422 if form.errors else 200
