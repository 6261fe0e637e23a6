"""Form pieces every package uses."""
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.candidates import Candidates
from lms.i18n import _l

MAX_PICKED = 1000  # a picker's choices are looked up by id: an agreement may bind every Kita of a region


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


class PickerField(MultiCheckboxField):
    """Some of many (the trainers, modules, instruments or institutions of a Land): the chosen ones
    stay ticked boxes, and a search beside them offers matches to tick as well, instead of a box for
    every candidate. The search is a round trip that saves nothing (its own button, like "Weiteren Termin
    hinzufügen"); text left in the search when the form is saved is an error at the field, so that
    nobody believes they added someone they only typed.

    Choosing none is allowed (the field is marked optional; `Optional()` would also drop its errors
    when nothing is ticked). The view calls `offer(candidates)` before validating; a chosen id that is
    not a candidate is an error (*refused*), and every service checks the same rule again."""

    def __init__(self, label=None, validators=None, *, search_label, refused, most=MAX_PICKED, too_many=None,
                 **kwargs):
        super().__init__(label, validators, coerce=int, choices=[], **kwargs)
        self.flags.optional = True
        self.search_label = search_label
        self.refused = refused
        self.most = most
        self.too_many = too_many or _l("Bitte wählen Sie höchstens %(max)d aus.", max=most)
        self.search = ""
        self.searching = False
        self.results: dict[int, str] = {}
        self.more = False
        self.malformed = False

    @property
    def search_name(self) -> str:
        return f"{self.name}-suche"

    @property
    def button_name(self) -> str:
        return f"{self.name}-suchen"

    def process_formdata(self, valuelist):
        """Each chosen id on its own: one that is not a number is refused, and keeps no other from
        being shown again."""
        self.data = []
        for value in valuelist:
            try:
                self.data.append(int(value))
            except ValueError:
                self.malformed = True

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata is not None:
            self.search = " ".join((formdata.get(self.search_name) or "").split())[:100]
            self.searching = self.button_name in formdata

    @property
    def single(self) -> int | None:
        """The one chosen id of a field that takes one (most=1), or None."""
        return self.data[0] if self.data else None

    def offer(self, candidates: Candidates) -> None:
        """The choices: the chosen candidates by their labels, then the search's matches."""
        picked = list(dict.fromkeys(self.data or []))
        chosen = candidates.named(picked) if len(picked) <= MAX_PICKED else {}  # else refused unread
        self.results, self.more = candidates.matching(self.search, leaving_out=chosen) if self.search else ({}, False)
        self.choices = [SelectChoice(value, label) for value, label in (chosen | self.results).items()]

    def pre_validate(self, form):
        if self.search:
            raise ValidationError(_l("Sie haben nach „%(search)s“ gesucht: Bitte wählen Sie einen Treffer aus "
                                     "oder leeren Sie das Suchfeld.", search=self.search))
        if len(set(self.data or [])) > self.most:
            raise ValidationError(self.too_many)
        if self.malformed or not set(self.data or []) <= {choice.value for choice in self.choices}:
            raise ValidationError(self.refused)


def searching(form) -> bool:
    """Whether one of the form's pickers was asked to search: show the form again, save nothing."""
    return any(isinstance(field, PickerField) and field.searching for field in form)


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
