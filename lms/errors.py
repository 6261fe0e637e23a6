"""Domain errors and the German error pages."""
from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.i18n import _l
from lms.storage import StorageUnavailable


class DomainError(Exception):
    """A rule of the domain was broken; `message` is shown to the user as it is, by a page through
    `lms.submit.submit` (at the form field named by `form_field`, if the error names one)."""

    form_field: str | None = None

    default_message = _l("Die Aktion ist nicht möglich.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class PermissionDenied(DomainError):
    default_message = _l("Dafür fehlt Ihnen die Berechtigung.")


class NotFound(DomainError):
    default_message = _l("Das gesuchte Element wurde nicht gefunden.")


class Conflict(DomainError):
    default_message = _l("Die Aktion steht im Widerspruch zum aktuellen Stand.")


ERROR_PAGES = {
    400: (_l("Ungültige Anfrage"), _l("Die Anfrage konnte nicht verarbeitet werden.")),
    403: (_l("Zugriff verweigert"), _l("Sie haben keine Berechtigung, diese Seite aufzurufen.")),
    404: (_l("Seite nicht gefunden"), _l("Die aufgerufene Seite gibt es nicht oder nicht mehr.")),
    405: (_l("Methode nicht erlaubt"), _l("Diese Aktion ist hier nicht vorgesehen.")),
    409: (
        _l("Gleichzeitige Änderung"),
        _l("Jemand hat dasselbe gerade gleichzeitig geändert. Ihre Änderung wurde nicht gespeichert. "
           "Bitte laden Sie die Seite neu und prüfen Sie den aktuellen Stand."),
    ),
    413: (_l("Datei zu groß"), _l("Die gesendeten Daten überschreiten die erlaubte Größe.")),
    429: (
        _l("Zu viele Versuche"),
        _l("Zu viele Anfragen in kurzer Zeit. Bitte warten Sie einige Minuten und versuchen Sie es dann erneut."),
    ),
    503: (
        _l("Vorübergehend nicht verfügbar"),
        _l("Die Datei ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut; besteht das Problem "
           "weiter, informieren Sie bitte die Administration."),
    ),
    500: (
        _l("Interner Fehler"),
        _l("Es ist ein unerwarteter Fehler aufgetreten. Bitte versuchen Sie es später erneut."),
    ),
}


def render_error(status: int, message=None):
    title, default = ERROR_PAGES[status]
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=str(title), message=str(message or default)), status
    return render_template("errors/error.html", status=status, title=title, message=message or default), status


def register_error_handlers(app: Flask) -> None:
    for status in ERROR_PAGES:
        if status != 500:
            app.register_error_handler(status, lambda error, status=status: render_error(status))

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return render_error(500)

    @app.errorhandler(IntegrityError)
    def lost_race(error):
        """A parallel request changed the same thing first (a double click): nothing of this one
        is saved, and the person is told to look again rather than shown a server error."""
        db.session.rollback()
        app.logger.warning("request lost a race on a database constraint: %s", (error.statement or "")[:80])
        return render_error(409)

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error):
        """A download whose bytes the storage cannot give: the operator's problem, told in the log and
        on /readyz; the person gets a 503 to try again later."""
        app.logger.error("file storage could not give a file: %s %s", type(error).__name__, str(error)[:12])
        response = render_error(503)
        return response[0], 503, {"Retry-After": "60"}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, _l("Das Formular ist abgelaufen oder unvollständig. Bitte laden Sie die Seite neu und senden Sie es erneut.")
        )

    @app.errorhandler(PermissionDenied)
    def permission_denied(error):
        return render_error(403, error.message)

    @app.errorhandler(NotFound)
    def not_found(error):
        return render_error(404)
