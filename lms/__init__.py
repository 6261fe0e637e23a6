"""lms: the Begleitkonzept platform of child-protection networks."""
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lms.config import PROJECT_ROOT, Config, default_instance_path, from_environment, instance_secret_key
from lms.disclosure import init_disclosure
from lms.inputs import init_inputs
from lms.storage import init_app as init_storage

PACKAGE_DIR = Path(__file__).resolve().parent


def _template_folder() -> Path:
    """Templates ship inside the wheel as lms/templates; a checkout keeps them at the top."""
    installed = PACKAGE_DIR / "templates"
    return installed if installed.is_dir() else PROJECT_ROOT / "templates"


def create_app(config: type | dict | None = None) -> Flask:
    """Build the application: config -> extensions -> blueprints -> error handlers."""
    from lms.auth.sso.ldap import init_app as init_ldap
    from lms.auth.sso.oidc import init_app as init_sso

    app = Flask(__name__, template_folder=str(_template_folder()), instance_path=default_instance_path())
    _configure(app, config)
    init_inputs(app)
    init_disclosure(app)
    init_storage(app)
    init_sso(app)
    init_ldap(app)
    _init_extensions(app)
    _register_blueprints(app)
    from lms.errors import register_error_handlers

    register_error_handlers(app)
    return app


def _configure(app: Flask, config) -> None:
    app.config.from_object(Config)
    if config is None:
        overrides = from_environment()
    elif isinstance(config, dict):
        overrides = config
    else:
        # Only what the class changes counts as set, so that derived defaults still apply.
        overrides = {
            key: getattr(config, key) for key in dir(config)
            if key.isupper() and getattr(config, key) != getattr(Config, key, object())
        }
    app.config.update(overrides)
    instance = Path(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'lms.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(instance)
    if app.config["BASE_URL"].startswith("https://") and "SESSION_COOKIE_SECURE" not in overrides:
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["SESSION_MAX_AGE_DAYS"])
    if app.config["PROXY_HOPS"]:
        # Behind a reverse proxy the client address (sign-in throttle) and scheme come from its headers.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # One connection per thread; concurrent writers wait on the busy timeout.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 10}}


def _init_extensions(app: Flask) -> None:
    from lms.db import configure_sqlite, warn_of_a_locale_without_umlauts
    from lms.extensions import babel, csrf, db, limiter, login_manager, migrate
    from lms.i18n import register_filters, select_locale

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        warn_of_a_locale_without_umlauts(db.engine, app.logger)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(PACKAGE_DIR / "translations"))
    limiter.init_app(app)
    login_manager.init_app(app)
    register_filters(app)


def _register_blueprints(app: Flask) -> None:
    from lms import audit, core, fragments, health, jobruns, leadership, metrics  # noqa: F401 - audit, fragments, jobruns, leadership: their tables join the metadata
    from lms.auth import views as auth_views
    from lms.auth.sso import views as sso_views
    from lms.beratung import views as consultation_views
    from lms.berichte import views as report_views
    from lms.datenschutz import views as privacy_views
    from lms.instrumente import views as instrument_views
    from lms.kalender import polling as calendar_polling
    from lms.kalender import views as calendar_views
    from lms.kompetenzen import services as competence_services
    from lms.kompetenzen import views as competence_views
    from lms.legal import views as legal_views
    from lms.logmask import init_logging
    from lms.metrics import init_metrics
    from lms.module import views as module_views
    from lms.netzwerk import views as network_views
    from lms.requestlog import init_request_log
    from lms.signals import completion_recorded, completion_revoked

    app.register_blueprint(core.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(sso_views.bp)
    app.register_blueprint(instrument_views.bp)
    app.register_blueprint(module_views.bp)
    app.register_blueprint(competence_views.bp)
    app.register_blueprint(consultation_views.bp)
    app.register_blueprint(calendar_views.bp)
    app.register_blueprint(legal_views.bp)
    app.register_blueprint(network_views.bp)
    app.register_blueprint(report_views.bp)
    app.register_blueprint(privacy_views.bp)
    legal_views.init_legal(app)
    init_logging(app)
    init_metrics(app)
    init_request_log(app)
    calendar_polling.init_polls(app)
    instrument_views.register_usage_provider(app, module_views.instrument_usage)
    module_views.register_panel(app, competence_views.module_panel)
    completion_recorded.connect(competence_services.on_completion_recorded, weak=False)
    completion_revoked.connect(competence_services.on_completion_revoked, weak=False)
    auth_views.init_login(app)
    core.init_shell(app)
