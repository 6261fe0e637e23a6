"""`lms.submit.submit`, the one way a view runs a service action: it commits once on success, and a
refusal rolls back everything the action wrote and shows the message at the field, above the form,
in the page's list or as a flash."""
import pytest
from flask import get_flashed_messages
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms import Form, StringField

from lms.auth.models import Region, RegionKind
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.submit import submit


class NameForm(Form):
    name = StringField()


class Taken(Conflict):
    default_message = "Diesen Namen gibt es schon."


class NamedError(DomainError):
    form_field = "name"


def _regions() -> int:
    return db.session.scalar(select(func.count()).select_from(Region))


def _add(name: str) -> Region:
    region = Region(name=name, kind=RegionKind.CITY)
    db.session.add(region)
    db.session.flush()
    return region


def _half_then_refuse():
    _add("Leipzig")  # written and flushed before the refusal: must not be saved
    raise DomainError("Nicht erlaubt.")


def test_success_commits_once_and_flashes(app):
    with app.test_request_context():
        outcome = submit(lambda: _add("Chemnitz"), success="Gespeichert.")
        assert outcome and outcome.error is None and outcome.value.name == "Chemnitz"
        db.session.rollback()  # nothing left to undo: it was committed
        assert _regions() == 1
        assert get_flashed_messages(with_categories=True) == [("success", "Gespeichert.")]


def test_a_refusal_rolls_back_everything_and_is_flashed(app):
    with app.test_request_context():
        outcome = submit(_half_then_refuse, success="Gespeichert.")
        assert not outcome and outcome.error.message == "Nicht erlaubt."
        db.session.commit()
        assert _regions() == 0
        assert get_flashed_messages(with_categories=True) == [("error", "Nicht erlaubt.")]


def test_a_refusal_goes_above_the_form_or_at_the_field_it_names(app):
    with app.test_request_context():
        form = NameForm()
        assert not submit(_half_then_refuse, form=form)
        assert form.form_errors == ["Nicht erlaubt."] and not form.name.errors

        form = NameForm()
        assert not submit(_half_then_refuse, form=form, field="name")
        assert form.name.errors == ["Nicht erlaubt."] and not form.form_errors

        def named():
            raise NamedError("Bitte einen anderen Namen.")

        form = NameForm()
        assert not submit(named, form=form)
        assert form.name.errors == ["Bitte einen anderen Namen."] and not form.form_errors
        assert form.errors == {"name": ["Bitte einen anderen Namen."]}
        assert get_flashed_messages() == []
        assert _regions() == 0


def test_a_refusal_goes_into_the_pages_list_or_is_left_to_the_view(app):
    with app.test_request_context():
        errors = []
        assert not submit(_half_then_refuse, errors=errors)
        assert errors == ["Nicht erlaubt."]

        outcome = submit(_half_then_refuse, errors=errors, view_handles=DomainError)
        assert outcome.error.message == "Nicht erlaubt." and errors == ["Nicht erlaubt."]
        assert get_flashed_messages() == []
        assert _regions() == 0


def test_a_lost_race_is_told_as_the_given_refusal(app):
    with app.test_request_context():
        submit(lambda: _add("Zwickau"))

        def twice():
            _add("Plauen")
            db.session.add(Region(name="Zwickau", kind=RegionKind.CITY))  # what a parallel request did first

        form = NameForm()
        outcome = submit(twice, form=form, field="name", lost_race=Taken)
        assert isinstance(outcome.error, Taken)
        assert form.name.errors == ["Diesen Namen gibt es schon."]
        assert db.session.scalars(select(Region.name)).all() == ["Zwickau"]  # nothing of the loser is saved


def test_without_a_lost_race_refusal_the_constraint_reaches_the_409_handler(app):
    with app.test_request_context():
        submit(lambda: _add("Zwickau"))
        with pytest.raises(IntegrityError):
            submit(lambda: _add("Zwickau"))
