"""One permission mechanism: `role_required` for views, `ensure_role` for services, `require` for predicates."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from lms.errors import PermissionDenied


def require(allowed: bool) -> None:
    """Abort with 403 unless *allowed* (the result of a `can_*` predicate)."""
    if not allowed:
        abort(403)


def role_required(*roles: str):
    """View decorator: signed in and holding one of *roles*, else 401 redirect / 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(current_user.has_role(*roles))
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(roles)  # the one record of who may open it (navigation reads it)
        return wrapped

    return decorator


def ensure_role(user, *roles: str) -> None:
    """Service guard: raise PermissionDenied unless *user* is active and holds one of *roles*."""
    if user is None or not user.is_active or not user.has_role(*roles):
        raise PermissionDenied()
