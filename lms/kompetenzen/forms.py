"""Input shapes of the competence pages."""
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from lms.i18n import _l

LEVEL_RANGE = NumberRange(min=1, max=4, message=_l("Die Stufe muss zwischen 1 und 4 liegen."))


def _competence_choices(competences):
    return [SelectChoice(c.id, f"{c.code} {c.name}") for c in competences]


class SelfAssessmentForm(FlaskForm):
    competence = SelectField(_l("Kompetenz"), coerce=int)
    level = IntegerField(_l("Stufe (1–4)"), validators=[InputRequired(_l("Bitte geben Sie eine Stufe an.")), LEVEL_RANGE])
    comment = StringField(_l("Kommentar"), validators=[Optional(), Length(max=500)])

    def __init__(self, *args, competences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.competence.choices = _competence_choices(competences)


class ConfirmationForm(SelfAssessmentForm):
    email = EmailField(_l("E-Mail-Adresse der Person"), validators=[
        DataRequired(_l("Bitte geben Sie eine E-Mail-Adresse an.")), Length(max=254),
        Email(message=_l("Bitte geben Sie eine gültige E-Mail-Adresse an."), check_deliverability=False)])
