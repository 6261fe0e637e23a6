"""One way for a view to run a service action: `submit`.

Why: the views used to handle a refused action in three styles and called `db.session.rollback()`
some thirty times, each a chance to forget it and commit half of an action. Now this module is the
one place in the web layer that rolls back. A view hands `submit` the service call; `submit` runs
it and commits once. When the service refuses (a `DomainError`), everything the action wrote is
rolled back, so nothing is half saved, and the German message goes where the page shows it:

- at a field of *form* (the one named by *field*, or by the error's own `form_field`),
- else above *form* (`form.form_errors`),
- else into the list *errors* the view renders,
- else into a flash message.

A unique constraint that a parallel request hit first (`IntegrityError`) can be told to the person
as the DomainError *lost_race*; without it the app's handler answers 409 (see `lms.errors`).
The view decides what comes next: redirect and flash its success (or pass *success*), or render the
page again with status 422. Errors of the types in *view_handles* are rolled back but not shown:
the view reads them from `Outcome.error` (a guard's findings, alternatives to a taken slot).
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash
from sqlalchemy.exc import IntegrityError

from lms.errors import DomainError
from lms.extensions import db


@dataclass
class Outcome:
    """What became of a submitted action: its return *value*, or the *error* that refused it.
    True when the action was committed."""

    value: Any = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is None


def submit(action: Callable[[], Any], *, form=None, field: str | None = None, errors: list | None = None,
           success=None, lost_race: type[DomainError] | DomainError | None = None,
           view_handles: type[DomainError] | tuple[type[DomainError], ...] = ()) -> Outcome:
    """Run *action* and commit; on a refusal roll back and show the message (see the module text).

    *success* is flashed after the commit, if given."""
    try:
        value = action()
        db.session.commit()
    except IntegrityError:
        if lost_race is None:
            raise  # the app's 409 page, which rolls back
        db.session.rollback()
        return _refused(lost_race() if isinstance(lost_race, type) else lost_race, form, field, errors, view_handles)
    except DomainError as error:
        db.session.rollback()
        return _refused(error, form, field, errors, view_handles)
    if success is not None:
        flash(success, "success")
    return Outcome(value=value)


def _refused(error: DomainError, form, field, errors, view_handles) -> Outcome:
    if not isinstance(error, view_handles):
        show(error, form=form, field=field, errors=errors)
    return Outcome(error=error)


def show(error: DomainError, *, form=None, field: str | None = None, errors: list | None = None) -> None:
    """Put a refusal's message where the page shows it: a field of *form*, above *form*, into
    *errors*, or a flash message."""
    name = field or getattr(error, "form_field", None)
    if form is not None and name is not None and name in form:
        form[name].errors = [*form[name].errors, error.message]  # a tuple until the field is validated
    elif form is not None:
        form.form_errors.append(error.message)
    elif errors is not None:
        errors.append(error.message)
    else:
        flash(error.message, "error")
