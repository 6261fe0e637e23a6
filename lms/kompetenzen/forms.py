"""Input shapes of the competence pages."""
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from lms.i18n import _l

LEVEL_RANGE = NumberRange(min=1, max=4, message=_l("Die Stufe muss zwischen 1 und 4 liegen."))


def _competence_choices(competences):
    return [SelectChoice(c.id, f"{c.code} {c.label}") for c in competences]


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


class CompetenceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Bitte geben Sie einen Namen an.")), Length(max=200)])
    dimension = SelectField(_l("Dimension"), choices=[
        SelectChoice("internal", _l("Binnendimension")), SelectChoice("performance", _l("Leistungsdimension")),
        SelectChoice("both", _l("Beide Dimensionen"))])
    level_1 = StringField(_l("Stufe 1: Grundlagen"), validators=[DataRequired(_l("Bitte beschreiben Sie jede Stufe.")), Length(max=500)])
    level_2 = StringField(_l("Stufe 2: Anwenden"), validators=[DataRequired(_l("Bitte beschreiben Sie jede Stufe.")), Length(max=500)])
    level_3 = StringField(_l("Stufe 3: Selbstständig gestalten"), validators=[DataRequired(_l("Bitte beschreiben Sie jede Stufe.")), Length(max=500)])
    level_4 = StringField(_l("Stufe 4: Weiterentwickeln & vermitteln"), validators=[DataRequired(_l("Bitte beschreiben Sie jede Stufe.")), Length(max=500)])
    validity_months = IntegerField(_l("Gültigkeit der Nachweise in Monaten"), description=_l("Leer lassen, wenn Nachweise nicht verfallen."),
                                   validators=[Optional(), NumberRange(min=1, max=240, message=_l("Bitte eine Zahl von %(min)d bis %(max)d."))])
    note = StringField(_l("Was ändert sich?"), description=_l("Erscheint in der Versionsgeschichte des Kompetenzrahmens."),
                       validators=[DataRequired(_l("Bitte beschreiben Sie die Änderung des Kompetenzrahmens.")), Length(max=500)])

    @property
    def descriptors(self) -> list[str]:
        return [self.level_1.data, self.level_2.data, self.level_3.data, self.level_4.data]


class NewCompetenceForm(CompetenceForm):
    code = StringField(_l("Kürzel"), description=_l("Zum Beispiel A6."), validators=[DataRequired(_l("Bitte geben Sie ein Kürzel an.")), Length(max=10)])
    target = IntegerField(_l("Sollstufe für Koordinator*innen"), default=2, validators=[InputRequired(), LEVEL_RANGE])


class NoteForm(FlaskForm):
    note = StringField(_l("Begründung der Änderung"), validators=[DataRequired(_l("Bitte beschreiben Sie die Änderung des Kompetenzrahmens.")), Length(max=500)])
