"""Form pieces every package uses."""
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from lms.i18n import _l


def choices(labels: dict, *, empty=None) -> list[SelectChoice]:
    """A select's choices from a {code: label} mapping, optionally led by an empty choice."""
    return ([SelectChoice("", empty)] if empty else []) + [SelectChoice(code, label) for code, label in labels.items()]


class Required:
    """Marks a field that the form's own check requires (a `validate_<field>` or `validate`), so that
    its label is not marked optional. DataRequired and InputRequired mark themselves."""

    def __init__(self):
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        pass


class Conditional:
    """Marks a field needed only with certain other answers (the form or the service checks): its
    label is not marked optional, and its hint says when it is needed."""

    def __init__(self):
        self.field_flags = {"conditional": True}

    def __call__(self, form, field):
        pass


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Begründung"),
        validators=[
            DataRequired(_l("Bitte geben Sie eine Begründung an.")),
            Length(max=500, message=_l("Die Begründung darf höchstens %(max)d Zeichen lang sein.")),
        ],
    )
