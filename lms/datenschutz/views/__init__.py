"""The data-protection pages, one module each: the audit trail (`audit`), a person's data and the
erasure of an account (`persons`), the records of processing and retention (`records`)."""
from flask import Blueprint

bp = Blueprint("datenschutz", __name__)

from lms.datenschutz.views import audit, persons, records  # noqa: E402, F401 - they add their routes to bp
