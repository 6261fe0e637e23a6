"""Input shapes of the qualification pages; the rules live in services."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from lms.dimensions import DIMENSION_LABELS
from lms.forms import Conditional, MultiCheckboxField, PickerField, Required
from lms.i18n import _l
from lms.ical import BERLIN, from_berlin
from lms.module.models import AUDIENCE_LABELS
from lms.module.services import DateInput, ModuleInput, OfferingInput
from lms.module.services.errors import PUBLISHED_MATERIALS_ONLY, PUBLISHED_PREREQUISITES_ONLY, TRAINERS_ONLY

MAX_DATE_ROWS = 50  # an offering with more dates is a series of offerings


berlin_to_utc = from_berlin


def _length(maximum: int):
    return Length(max=maximum, message=_l("Höchstens %(max)d Zeichen."))


def _stripped(value):
    """Without the spaces a pasted address often brings along."""
    return value.strip() if isinstance(value, str) else value


class ModuleForm(FlaskForm):
    code = StringField(_l("Kürzel"), description=_l("Zum Beispiel M01."), validators=[Optional(), _length(20)])
    title = StringField(_l("Titel"), validators=[DataRequired(_l("Bitte geben Sie einen Titel an.")), _length(200)])
    summary = TextAreaField(
        _l("Kurzbeschreibung"), validators=[DataRequired(_l("Bitte geben Sie eine Kurzbeschreibung an.")), _length(500)]
    )
    description = TextAreaField(
        _l("Beschreibung"), description=_l("Markdown: **fett**, *kursiv*, Listen mit „-“, Links, Überschriften mit „##“."),
        validators=[Optional(), _length(20000)],
    )
    learning_goals = TextAreaField(_l("Lernziele"), description=_l("Ein Lernziel pro Zeile."),
                                   validators=[Optional(), _length(5000)])
    dimension = SelectField(
        _l("Dimension"), choices=[SelectChoice(code.value, label) for code, label in DIMENSION_LABELS.items()]
    )
    teaching_units = IntegerField(
        _l("Unterrichtseinheiten (à 45 Minuten)"),
        validators=[InputRequired(_l("Bitte geben Sie die Unterrichtseinheiten an.")),
                    NumberRange(min=1, max=500, message=_l("Bitte eine Zahl von %(min)d bis %(max)d."))],
    )
    required_attendance = IntegerField(
        _l("Erforderliche Anwesenheit in Prozent der Termine"), default=100,
        validators=[InputRequired(_l("Bitte geben Sie die erforderliche Anwesenheit an.")),
                    NumberRange(min=1, max=100, message=_l("Bitte eine Zahl von %(min)d bis %(max)d."))],
    )
    audiences = MultiCheckboxField(
        _l("Zielgruppen"), choices=[SelectChoice(code, label) for code, label in AUDIENCE_LABELS.items()],
        validators=[Required()],  # see validate_audiences
    )
    prerequisites = PickerField(
        _l("Voraussetzungen"), search_label=_l("Modul suchen (Titel oder Kürzel)"),
        refused=PUBLISHED_PREREQUISITES_ONLY)
    trainers = PickerField(_l("Verantwortliche Referent*innen"), search_label=_l("Referent*in suchen (Name)"),
                           refused=TRAINERS_ONLY)
    materials = PickerField(
        _l("Kursmaterial aus der Instrumentensammlung"), search_label=_l("Instrument suchen (Titel)"),
        refused=PUBLISHED_MATERIALS_ONLY)

    def validate_audiences(self, field):
        if not field.data:
            raise ValidationError(_l("Bitte wählen Sie mindestens eine Zielgruppe."))

    def to_input(self) -> ModuleInput:
        return ModuleInput(
            code=self.code.data, title=self.title.data, summary=self.summary.data,
            description=self.description.data or "", learning_goals=self.learning_goals.data or "",
            dimension=self.dimension.data, teaching_units=self.teaching_units.data,
            required_attendance=self.required_attendance.data, audiences=self.audiences.data,
            prerequisite_ids=self.prerequisites.data or [], trainer_ids=self.trainers.data or [],
            material_ids=self.materials.data or [],
        )


class DateRowForm(Form):
    """One date of an offering. A row left entirely empty, or marked for removal, is ignored."""

    entry_label = _l("Termin %(number)d")  # the row's name in the error summary

    id = HiddenField()
    day = DateField(_l("Datum"), validators=[Conditional(), Optional()])
    start = TimeField(_l("Beginn"), validators=[Conditional(), Optional()])
    end = TimeField(_l("Ende"), validators=[Conditional(), Optional()])
    location = StringField(_l("Ort"), validators=[Conditional(), Optional(), _length(300)])
    online_url = StringField(
        _l("Online-Link"),
        validators=[Conditional(), Optional(), _length(500),
                    URL(message=_l("Bitte geben Sie eine vollständige Adresse mit https:// an."))],
    )
    remove = BooleanField(_l("Diesen Termin entfernen"))

    @property
    def is_blank(self) -> bool:
        return not any([self.day.data, self.start.data, self.end.data, self.location.data, self.online_url.data])

    @property
    def counts(self) -> bool:
        """Whether the row is one of the offering's dates when the form is saved."""
        return not self.remove.data and not self.is_blank

    def check_complete(self) -> bool:
        """Name at its field each part a date needs and this row lacks; True if none."""
        missing = [
            (self.day, not self.day.data and not self.day.errors, _l("Bitte geben Sie das Datum an.")),
            (self.start, not self.start.data and not self.start.errors, _l("Bitte geben Sie den Beginn an.")),
            (self.end, not self.end.data and not self.end.errors, _l("Bitte geben Sie das Ende an.")),
            (self.end, self.start.data and self.end.data and self.end.data <= self.start.data,
             _l("Das Ende muss nach dem Beginn liegen.")),
            (self.location, not (self.location.data or "").strip() and not (self.online_url.data or "").strip(),
             _l("Bitte geben Sie einen Ort oder einen Online-Link an.")),
        ]
        for field, lacking, message in missing:
            if lacking:
                field.errors.append(message)
        return not any(lacking for _field, lacking, _message in missing)


class OfferingForm(FlaskForm):
    """An offering with any number of dates. "Weiteren Termin hinzufügen" shows the form again with
    one more empty row, saving nothing; a row marked "Diesen Termin entfernen" is left out when saving."""

    capacity = IntegerField(
        _l("Plätze"),
        validators=[InputRequired(_l("Bitte geben Sie die Zahl der Plätze an.")),
                    NumberRange(min=1, max=1000, message=_l("Bitte eine Zahl von %(min)d bis %(max)d."))],
    )
    deadline_day = DateField(_l("Anmeldeschluss (Datum)"), validators=[DataRequired(_l("Bitte geben Sie den Anmeldeschluss an."))])
    deadline_time = TimeField(_l("Anmeldeschluss (Uhrzeit)"), default=None,
                              validators=[DataRequired(_l("Bitte geben Sie die Uhrzeit des Anmeldeschlusses an."))])
    region = SelectField(_l("Region"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    moderated = BooleanField(_l("Nur auf Anfrage: die Referent*innen bestätigen jede Teilnahme"))
    open_now = BooleanField(_l("Buchung sofort öffnen"))
    trainers = PickerField(
        _l("Referent*innen dieser Durchführung"), search_label=_l("Referent*in suchen (Name)"),
        refused=TRAINERS_ONLY,
        description=_l("Ohne Auswahl leiten die Referent*innen des Moduls die Durchführung."))
    note = TextAreaField(_l("Hinweis für Teilnehmende"), validators=[Optional(), _length(500)])
    dates = FieldList(FormField(DateRowForm), label=_l("Termine"), min_entries=1, max_entries=MAX_DATE_ROWS)
    add_date = SubmitField(_l("Weiteren Termin hinzufügen"))

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = [SelectChoice("", _l("Landesweit (alle Regionen)"))] + [
            SelectChoice(region.id, region.name) for region in regions
        ]
        self._mark_first_row()

    def _mark_first_row(self) -> None:
        """An offering needs at least one date: the first row's date and times are required."""
        first = self.dates.entries[0].form
        for field in (first.day, first.start, first.end):
            field.flags.required = True

    @property
    def can_add_date(self) -> bool:
        return len(self.dates.entries) < MAX_DATE_ROWS

    def add_row(self) -> None:
        """One more empty date row ("Weiteren Termin hinzufügen"), up to MAX_DATE_ROWS."""
        if self.can_add_date:
            self.dates.append_entry()

    def counted_rows(self) -> list[DateRowForm]:
        return [entry.form for entry in self.dates.entries if entry.form.counts]

    def validate(self, extra_validators=None) -> bool:
        """Check every field and every date row at once; each error stands at its field."""
        valid = super().validate(extra_validators)
        rows = self.counted_rows()
        if not rows:
            first = next((entry.form for entry in self.dates.entries if not entry.form.remove.data),
                         self.dates.entries[0].form)
            first.day.errors.append(_l("Bitte geben Sie mindestens einen Termin an."))
            valid = False
        for row in rows:
            valid = row.check_complete() and valid
        errors = [entry.errors for entry in self.dates.entries]
        self.dates.errors = errors if any(errors) else []
        return valid

    def to_input(self) -> OfferingInput:
        dates = [
            DateInput(
                starts_at=berlin_to_utc(row.day.data, row.start.data),
                ends_at=berlin_to_utc(row.day.data, row.end.data),
                location=row.location.data or "", online_url=row.online_url.data or "",
                id=int(row.id.data) if (row.id.data or "").isdigit() else None,
            )
            for row in self.counted_rows()
        ]
        return OfferingInput(
            capacity=self.capacity.data,
            registration_deadline=berlin_to_utc(self.deadline_day.data, self.deadline_time.data),
            region_id=self.region.data, moderated=self.moderated.data, trainer_ids=self.trainers.data or [],
            dates=dates, note=self.note.data or "",
        )

    def fill_from(self, offering) -> None:
        """Show an existing offering's values, with its dates first and one empty row after them."""
        local_deadline = offering.registration_deadline.astimezone(BERLIN)
        self.capacity.data = offering.capacity
        self.deadline_day.data, self.deadline_time.data = local_deadline.date(), local_deadline.time()
        self.region.data = offering.region_id
        self.moderated.data = offering.moderated
        self.trainers.data = [t.id for t in offering.trainers]
        self.note.data = offering.note
        while len(self.dates.entries):
            self.dates.pop_entry()
        for date in offering.dates:
            start, end = date.starts_at.astimezone(BERLIN), date.ends_at.astimezone(BERLIN)
            self.dates.append_entry({"id": str(date.id), "day": start.date(), "start": start.time(),
                                     "end": end.time(), "location": date.location, "online_url": date.online_url})
        self.dates.append_entry()
        self._mark_first_row()


class PersonForm(FlaskForm):
    """Name a person by e-mail address: to add them to an offering or admit them."""

    email = EmailField(
        _l("E-Mail-Adresse der Person"), filters=[_stripped],
        validators=[DataRequired(_l("Bitte geben Sie eine E-Mail-Adresse an.")), _length(254),
                    Email(message=_l("Bitte geben Sie eine gültige E-Mail-Adresse an."), check_deliverability=False)],
    )
    reason = StringField(_l("Begründung"), validators=[Conditional(), Optional(), _length(500)], description=_l(
        "Nötig, wenn die Person schon einen Platz in einer anderen Durchführung dieses Moduls hat; "
        "beim Zulassen empfohlen. Der Verlauf zeigt sie."))


class AdmissionRequestForm(FlaskForm):
    """Ask the trainers for admission although a prerequisite is missing."""

    note = TextAreaField(_l("Nachricht an die Referent*innen"), filters=[_stripped],
                         validators=[Optional(), _length(500)])


class CertificateCheckForm(FlaskForm):
    """Check a certificate by what is printed on it: the number and the holder's name."""

    number = StringField(_l("Nummer der Bescheinigung"), filters=[_stripped], description=_l("Zum Beispiel TB-2026-00017"),
                         validators=[DataRequired(_l("Bitte geben Sie die Nummer der Bescheinigung an.")), _length(30)])
    name = StringField(_l("Name auf der Bescheinigung"), filters=[_stripped],
                       validators=[DataRequired(_l("Bitte geben Sie den Namen an, der auf der Bescheinigung steht.")),
                                   _length(200)])
