"""Reading and saving the legal pages' texts.

Until an admin has saved a page, it shows a draft that names what the law asks for (§ 5 DDG for the
Impressum, Art. 13 DSGVO for the privacy notice, § 7 BITV 2.0 for the accessibility statement) and
says that the operator has not filled it in yet: a page that exists but is visibly unfinished is
better than a 404 or an invented address.
"""
from dataclasses import dataclass
from datetime import datetime

from lms import audit
from lms.auth.models import Role, User
from lms.auth.permissions import ensure_role
from lms.errors import DomainError, NotFound
from lms.extensions import db
from lms.i18n import _l
from lms.legal.drafts import DRAFTS
from lms.legal.models import PAGES, LegalText

MAX_LENGTH = 50_000


@dataclass
class LegalPage:
    slug: str
    title: object
    body: str
    is_draft: bool  # nobody has saved it yet: the built-in outline is shown
    updated_at: datetime | None


def page(slug: str) -> LegalPage:
    """A legal page as shown: the text an admin saved, else the starter draft (marked as a draft)."""
    if slug not in PAGES:
        raise NotFound()
    stored = db.session.get(LegalText, slug)
    if stored is None:
        return LegalPage(slug, PAGES[slug], str(DRAFTS[slug]), True, None)
    return LegalPage(slug, PAGES[slug], stored.body, False, stored.updated_at)


def save(actor: User, slug: str, body: str, *, now: datetime) -> LegalText:
    """An admin saves a legal page's text (Markdown, not empty)."""
    ensure_role(actor, Role.ADMIN)
    if slug not in PAGES:
        raise NotFound()
    body = body.strip()
    if not body:
        raise DomainError(_l("Bitte geben Sie den Text der Seite ein."))
    if len(body) > MAX_LENGTH:
        raise DomainError(_l("Der Text ist zu lang (höchstens %(max)d Zeichen).", max=MAX_LENGTH))
    stored = db.session.get(LegalText, slug)
    if stored is None:
        stored = LegalText(slug=slug, body=body, updated_at=now, updated_by_id=actor.id)
        db.session.add(stored)
    else:
        stored.body, stored.updated_at, stored.updated_by_id = body, now, actor.id
    audit.record(actor, "legal.change", now=now, subject=stored, page=slug, characters=len(body))
    db.session.flush()
    return stored
