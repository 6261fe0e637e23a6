"""One permission mechanism: `role_required` for views, `ensure_role` for services, `require` for predicates,
and `visible_or_404` / `permitted` to load the row a page is about and check its predicate."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from lms.errors import PermissionDenied
from lms.extensions import db


def require(allowed: bool) -> None:
    """Abort with 403 unless *allowed* (the result of a `can_*` predicate)."""
    if not allowed:
        abort(403)


def visible_or_404(model, id_: int):
    """The row *id_* of *model* if the current user may see it (its `can_view`); 404 otherwise, so a
    page that is not theirs does not even show that it exists."""
    row = db.session.get(model, id_)
    if row is None or not row.can_view(current_user):
        abort(404)
    return row


def permitted(model, id_: int, may):
    """The row *id_* of *model* (404 if there is none) if `may(row, current_user)` holds, else 403;
    *may* is the model's predicate, e.g. `Offering.can_manage`."""
    row = db.get_or_404(model, id_)
    require(may(row, current_user))
    return row


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
