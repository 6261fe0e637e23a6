"""records pages (being written)."""
from lms.datenschutz.views import bp  # noqa: F401
