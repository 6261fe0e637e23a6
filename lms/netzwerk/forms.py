"""The keepers' form for an emergency number."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.forms import Conditional
from lms.i18n import _l
from lms.netzwerk.models import EMERGENCY_KIND_LABELS
from lms.netzwerk.services import NumberInput


def _length(maximum: int) -> Length:
    return Length(max=maximum, message=_l("Höchstens %(max)d Zeichen."))


class EmergencyNumberForm(FlaskForm):
    region_id = SelectField(_l("Region"), coerce=int, validate_choice=False,
                            validators=[DataRequired(_l("Bitte wählen Sie eine Region aus der Liste."))])
    kind = SelectField(_l("Art"), choices=list(EMERGENCY_KIND_LABELS.items()), validate_choice=False,
                       description=_l("Von Jugendamt, Hotline, Polizei und Notdiensten ist zu jeder Zeit genau eine "
                                      "Nummer die richtige; „Weitere Nummern“ dürfen sich überschneiden."))
    name = StringField(_l("Stelle"), description=_l("Wer meldet sich, z. B. „Bereitschaftsdienst des Jugendamts“."),
                       validators=[DataRequired(_l("Bitte geben Sie an, wer unter der Nummer erreichbar ist.")),
                                   _length(160)])
    phone = StringField(_l("Telefonnummer"), description=_l("Eine Dienstnummer, die öffentlich gezeigt werden "
                                                            "darf: Die Notfallansicht ist ohne Anmeldung erreichbar."),
                        validators=[DataRequired(_l("Bitte geben Sie die Telefonnummer an.")), _length(40)])
    always = BooleanField(_l("Rund um die Uhr erreichbar"))
    hours = TextAreaField(
        _l("Erreichbar"),
        description=_l("Eine Zeile je Regel, deutsche Zeit, z. B. „Mo–Do 16:00–24:00“, „Di–Fr 00:00–08:00“, "
                       "„Sa, So 00:00–24:00“. Über Mitternacht: zwei Zeilen. Nicht nötig bei „rund um die Uhr“."),
        validators=[Conditional(), Optional(), _length(600)])
    note = TextAreaField(_l("Hinweis"), description=_l("Für wen und wofür, z. B. „nur für medizinisches Fachpersonal“."),
                         validators=[Optional(), _length(500)])

    def to_input(self) -> NumberInput:
        return NumberInput(region_id=self.region_id.data, kind=self.kind.data or "", name=self.name.data or "",
                           phone=self.phone.data or "", note=self.note.data or "", always=bool(self.always.data),
                           hours=self.hours.data or "")
