"""The operator's texts of the legal pages, one row per page once an admin has saved it."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.i18n import _l

# slug (URL and key) -> page title
PAGES = {
    "impressum": _l("Impressum"),
    "datenschutz": _l("Datenschutzerklärung"),
    "barrierefreiheit": _l("Erklärung zur Barrierefreiheit"),
}


class LegalText(db.Model):
    slug: Mapped[str] = mapped_column(String(30), primary_key=True)
    body: Mapped[str] = mapped_column(Text)  # Markdown, rendered sanitised
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
