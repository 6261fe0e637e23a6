"""The shell every area hangs in: start page, design-system assets, headers."""
import hashlib
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
)
from flask_babel import get_locale
from flask_login import current_user

from lms.config import default_assets_dir
from lms.db import utcnow
from lms.forms import ActionForm
from lms.markdown import render_inline, render_markdown
from lms.navigation import areas_for, intros_for, notices_for
from lms.startpage import grouped, sections_for

bp = Blueprint("core", __name__)

# Only these folders of node_modules are served, and only to read.
SERVED_PACKAGES = {"kern": "@kern-ux/native/dist"}
BUNDLED_ASSETS = Path(__file__).resolve().parent / "assets"  # filled by hatch_build.py in the wheel
# Stylesheets, scripts and fonts are linked with ?v=<digest of the file>: a changed file gets a new
# address, so a versioned one may be cached for a year; an unversioned one (a font a stylesheet
# names) for a day.
VERSIONED_MAX_AGE = 365 * 86400
UNVERSIONED_MAX_AGE = 86400
_FINGERPRINTS: dict[tuple[str, int, int], str] = {}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@bp.get("/")
def home():
    """Anonymous visitors see what the platform is; signed-in users what waits for them, what comes
    next, and their role's areas."""
    if not current_user.is_authenticated:
        return render_template("core/welcome.html")
    now = utcnow()
    areas = areas_for(current_user)
    return render_template(
        "core/home.html", area_cards=areas, intros=intros_for(current_user), notices=notices_for(current_user),
        groups=grouped(sections_for(current_user, now=now)), area_endpoints={area.endpoint for area in areas},
        action_form=ActionForm(), now=now,
    )


def asset_root(package: str) -> Path:
    """Where a served package's files are: LMS_ASSETS_DIR (a node_modules), else the copy the wheel
    carries (lms/assets/<package>), else the checkout's node_modules."""
    configured = current_app.config.get("ASSETS_DIR")
    if configured:
        return Path(configured) / SERVED_PACKAGES[package]
    bundled = BUNDLED_ASSETS / package
    return bundled if bundled.is_dir() else default_assets_dir() / SERVED_PACKAGES[package]


@bp.get("/assets/<package>/<path:filename>")
def asset(package: str, filename: str):
    """Serve the design system from the installed package, never from a CDN."""
    if package not in SERVED_PACKAGES:
        abort(404)
    return send_from_directory(asset_root(package), filename, max_age=UNVERSIONED_MAX_AGE)


def _served_file(endpoint: str | None, values: dict) -> Path | None:
    if endpoint == "static" and "filename" in values:
        return Path(current_app.static_folder) / values["filename"]
    if endpoint == "core.asset" and values.get("package") in SERVED_PACKAGES and "filename" in values:
        return asset_root(values["package"]) / values["filename"]
    return None


def fingerprint(path: Path) -> str | None:
    """A short digest of the file's content (None if there is none), recomputed when it changes."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _FINGERPRINTS:
        _FINGERPRINTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _FINGERPRINTS[key]


def init_shell(app: Flask) -> None:
    """Template globals of the layout and the security headers of every response."""

    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(render_inline, "markdown_inline")

    @app.context_processor
    def _layout_globals():
        return {
            "current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
            "nav_areas": lambda: areas_for(current_user),
        }

    @app.url_defaults
    def _versioned_assets(endpoint, values):
        path = _served_file(endpoint, values)
        if path is not None and "v" not in values and (version := fingerprint(path)):
            values["v"] = version

    @app.after_request
    def _headers(response):
        path = _served_file(request.endpoint, request.view_args or {})
        if path is not None and response.status_code == 200 and request.args.get("v") == fingerprint(path):
            response.cache_control.no_cache = None
            response.cache_control.max_age = VERSIONED_MAX_AGE
            response.cache_control.immutable = True
            response.cache_control.public = True
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["BASE_URL"].startswith("https://") and app.config["HSTS_MAX_AGE"] > 0:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_MAX_AGE']}")
        if current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response
