"""What the competence rules refuse with: a level outside 1 to 4, a framework change that cannot be
made, and a person who is not an admin.

Shared by the framework, the mappings and the evidence, so it sits below all of them.
"""
from lms.auth.models import Role, User
from lms.errors import DomainError, PermissionDenied
from lms.i18n import _l
from lms.kompetenzen.models import LEVELS


class InvalidLevel(DomainError):
    default_message = _l("Die Stufe muss zwischen 1 und 4 liegen.")


class FrameworkChange(DomainError):
    pass


def _check_level(level) -> int:
    if level not in LEVELS:
        raise InvalidLevel()
    return level


def ensure_admin(actor: User) -> None:
    """Only active admins change the framework and the targets; anyone else is refused."""
    if not actor.is_active or not actor.has_role(Role.ADMIN):
        raise PermissionDenied()
