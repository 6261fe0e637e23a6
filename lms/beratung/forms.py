"""Input shapes of the consultation pages; the rules live in services."""
from datetime import UTC, datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from lms.auth.models import SECTOR_LABELS
from lms.beratung.catalogue import (
    AGE_BANDS,
    BOOKABLE_TYPES,
    CONCERNS,
    FORMAT_LABELS,
    RESULTS,
    SETTINGS,
    SLOT_LENGTHS,
    URGENCIES,
)
from lms.beratung.services import (
    VIGNETTE_MAX,
    BookingInput,
    CaseInput,
    ProfileInput,
    WindowInput,
)
from lms.forms import Conditional, MultiCheckboxField, ReasonForm, Required, choices
from lms.i18n import _l

WEEKDAYS = (_l("Montag"), _l("Dienstag"), _l("Mittwoch"), _l("Donnerstag"), _l("Freitag"), _l("Samstag"),
            _l("Sonntag"))


def parse_slot(value: str | None) -> datetime | None:
    """A slot start as it travels in links and forms: ISO 8601 with its offset, within sane years."""
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if moment.tzinfo is None or not 2000 <= moment.year <= 2100:
        return None
    return moment.astimezone(UTC)


class ForCaseTypes(Conditional):
    """Marks the case fields: required for case-related types only (BookingForm.validate and the
    service check), so the form shows them neither as required nor as optional."""


class ConfirmedField(SelectMultipleField):
    """The guard's findings a person confirmed, one checkbox each (templates/beratung/_guard.html
    renders them). Any value is taken: the service confirms only the findings whose key it is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, validate_choice=False, **kwargs)

    def confirmed(self) -> frozenset[str]:
        return frozenset(self.data or ())


def _length(maximum: int):
    return Length(max=maximum, message=_l("Höchstens %(max)d Zeichen."))


def _number(label, low: int, high: int, **kwargs):
    return IntegerField(label, validators=[
        InputRequired(_l("Bitte geben Sie eine Zahl an.")),
        NumberRange(min=low, max=high, message=_l("Bitte eine Zahl von %(min)d bis %(max)d."))], **kwargs)


class ProfileForm(FlaskForm):
    introduction = TextAreaField(_l("Kurze Vorstellung"), validators=[Optional(), _length(2000)])
    specialisations = StringField(_l("Schwerpunkte"), description=_l("Zum Beispiel: Frühe Kindheit, sexualisierte Gewalt, Schule."),
                                  validators=[Optional(), _length(500)])
    languages = StringField(_l("Sprachen"), default="Deutsch", validators=[Optional(), _length(200)])
    types = MultiCheckboxField(_l("Beratungsarten"), choices=choices({c: t.label for c, t in BOOKABLE_TYPES.items()}),
                               validators=[Required()])
    formats = MultiCheckboxField(_l("Formate"), choices=choices(FORMAT_LABELS), validators=[Required()])
    place = StringField(_l("Ort für Beratungen vor Ort"), description=_l("Nötig, wenn Sie vor Ort beraten."),
                        validators=[Conditional(), Optional(), _length(300)])
    phone = StringField(_l("Telefonnummer für telefonische Beratungen"),
                        description=_l("Nötig, wenn Sie telefonisch beraten."),
                        validators=[Conditional(), Optional(), _length(50)])
    video_link = StringField(_l("Link für Videoberatungen"), description=_l("Nötig, wenn Sie per Video beraten."),
                             validators=[
        Conditional(), Optional(),
        URL(require_tld=False, message=_l("Bitte geben Sie eine vollständige Adresse mit https:// an.")),
        _length(500)])
    sectors = MultiCheckboxField(_l("Sektoren, für die Sie beraten"), choices=choices(SECTOR_LABELS),
                                 validators=[Optional()])
    regions = MultiCheckboxField(_l("Regionen, für die Sie beraten"), coerce=int, validators=[Optional()])
    slot_minutes = SelectField(_l("Länge eines Termins"), coerce=int,
                               choices=[SelectChoice(n, _l("%(num)d Minuten", num=n)) for n in SLOT_LENGTHS])
    buffer_minutes = _number(_l("Pause zwischen zwei Terminen (Minuten)"), 0, 120, default=15)
    notice_hours = _number(_l("Mindestvorlauf einer Buchung (Stunden)"), 0, 336, default=2)
    horizon_weeks = _number(_l("Buchbar für die nächsten … Wochen"), 1, 52, default=8)
    max_per_day = IntegerField(_l("Höchstens … Beratungen pro Tag"), validators=[
        Optional(), NumberRange(min=1, max=20, message=_l("Bitte eine Zahl von %(min)d bis %(max)d."))])
    auto_confirm = BooleanField(_l("Buchungen automatisch bestätigen"))
    published = BooleanField(_l("Profil veröffentlichen (für Buchende sichtbar)"))

    def validate(self, extra_validators=None) -> bool:
        """Every field at once: at least one type and format, and what each chosen format needs."""
        valid = super().validate(extra_validators)
        needs = [
            (self.types, not self.types.data, _l("Bitte wählen Sie mindestens eine buchbare Beratungsart.")),
            (self.formats, not self.formats.data, _l("Bitte wählen Sie mindestens ein Format.")),
            (self.place, "in_person" in (self.formats.data or ()) and not (self.place.data or "").strip(),
             _l("Für Beratungen vor Ort geben Sie bitte den Ort an.")),
            (self.phone, "phone" in (self.formats.data or ()) and not (self.phone.data or "").strip(),
             _l("Für telefonische Beratungen geben Sie bitte eine Telefonnummer an.")),
            (self.video_link, "video" in (self.formats.data or ()) and not (self.video_link.data or "").strip(),
             _l("Für Videoberatungen geben Sie bitte den Link an.")),
        ]
        for field, lacking, message in needs:
            if lacking and not field.errors:
                field.errors.append(message)
                valid = False
        return valid

    def fill(self, profile) -> None:
        for name in ("introduction", "specialisations", "languages", "place", "phone", "video_link", "slot_minutes",
                     "buffer_minutes", "max_per_day", "auto_confirm", "published"):
            getattr(self, name).data = getattr(profile, name)
        self.notice_hours.data = profile.notice_minutes // 60
        self.horizon_weeks.data = profile.horizon_days // 7
        self.types.data, self.formats.data = profile.values("type"), profile.values("format")
        self.sectors.data = profile.values("sector")
        self.regions.data = [int(value) for value in profile.values("region")]

    def to_input(self) -> ProfileInput:
        return ProfileInput(
            introduction=self.introduction.data or "", specialisations=self.specialisations.data or "",
            languages=self.languages.data or "", place=self.place.data or "", phone=self.phone.data or "",
            video_link=self.video_link.data or "", auto_confirm=self.auto_confirm.data,
            slot_minutes=self.slot_minutes.data, buffer_minutes=self.buffer_minutes.data,
            notice_minutes=self.notice_hours.data * 60, horizon_days=self.horizon_weeks.data * 7,
            max_per_day=self.max_per_day.data, published=self.published.data, types=self.types.data or [],
            formats=self.formats.data or [], sectors=self.sectors.data or [], region_ids=self.regions.data or [],
        )


class WindowForm(FlaskForm):
    weekday = SelectField(_l("Wochentag (wöchentlich)"), choices=[SelectChoice("", _l("– einmalig an einem Datum –"))] +
                          [SelectChoice(str(number), label) for number, label in enumerate(WEEKDAYS)],
                          description=_l("Entweder ein Wochentag oder ein Datum."), validators=[Conditional()])
    day = DateField(_l("Datum (einmalig)"), description=_l("Nur für ein einmaliges Zeitfenster."),
                    validators=[Conditional(), Optional()])
    start_time = TimeField(_l("Beginn (Uhrzeit)"), validators=[InputRequired(_l("Bitte geben Sie den Beginn an."))])
    end_time = TimeField(_l("Ende (Uhrzeit)"), validators=[InputRequired(_l("Bitte geben Sie das Ende an."))])
    valid_from = DateField(_l("Gültig ab"), validators=[Optional()])
    valid_until = DateField(_l("Gültig bis"), validators=[Optional()])

    def validate_weekday(self, field):
        # Here rather than at the day, whose Optional() would skip the check when it is empty.
        day_given = bool(self.day.raw_data and self.day.raw_data[0].strip())  # an invalid date is the day's error
        if (field.data == "") == (not day_given):
            raise ValidationError(_l("Bitte wählen Sie entweder einen Wochentag oder ein Datum."))

    def to_input(self) -> WindowInput:
        return WindowInput(start_time=self.start_time.data, end_time=self.end_time.data,
                           weekday=int(self.weekday.data) if self.weekday.data else None, day=self.day.data,
                           valid_from=self.valid_from.data, valid_until=self.valid_until.data)


class AbsenceForm(FlaskForm):
    first_day = DateField(_l("Erster Tag"), validators=[InputRequired(_l("Bitte geben Sie den ersten Tag an."))])
    last_day = DateField(_l("Letzter Tag"), validators=[InputRequired(_l("Bitte geben Sie den letzten Tag an."))])
    note = StringField(_l("Notiz (nur für Sie)"), validators=[Optional(), _length(200)])


class BookingForm(FlaskForm):
    starts_at = HiddenField()
    type_code = SelectField(_l("Beratungsart"), validators=[InputRequired(_l("Bitte wählen Sie eine Beratungsart."))])
    format = SelectField(_l("Format"), validators=[InputRequired(_l("Bitte wählen Sie ein Format."))])
    age_band = SelectField(_l("Alter des Kindes"), choices=choices(AGE_BANDS, empty=_l("– bitte wählen –")),
                           validators=[ForCaseTypes()])
    concern = SelectField(_l("Art der Sorge"), choices=choices(CONCERNS, empty=_l("– bitte wählen –")),
                          validators=[ForCaseTypes()])
    setting = SelectField(_l("Umfeld"), choices=choices(SETTINGS, empty=_l("– bitte wählen –")),
                          validators=[ForCaseTypes()])
    urgency = SelectField(_l("Dringlichkeit"), choices=choices(URGENCIES, empty=_l("– bitte wählen –")),
                          validators=[ForCaseTypes()])
    vignette = TextAreaField(
        _l("Fallvignette"),
        description=_l("Beschreiben Sie die Situation in höchstens %(max)d Zeichen, ohne Namen, Geburtsdaten, "
                       "Anschriften, Namen von Einrichtungen oder andere Angaben, die das Kind oder die Familie "
                       "erkennbar machen.", max=VIGNETTE_MAX),
        validators=[Optional(), Length(max=VIGNETTE_MAX, message=_l(
            "Die Fallvignette darf höchstens %(max)d Zeichen lang sein.", max=VIGNETTE_MAX))],
    )
    confirmed = ConfirmedField()

    def for_profile(self, profile) -> "BookingForm":
        self.type_code.choices = [SelectChoice(code, BOOKABLE_TYPES[code].label) for code in profile.values("type")
                                  if code in BOOKABLE_TYPES]
        self.format.choices = [SelectChoice(code, FORMAT_LABELS[code]) for code in profile.values("format")]
        return self

    def start(self) -> datetime | None:
        return parse_slot(self.starts_at.data)

    def validate(self, extra_validators=None) -> bool:
        """Every field at once; the case fields are needed for case-related types (the service checks too)."""
        valid = super().validate(extra_validators)
        kind = BOOKABLE_TYPES.get(self.type_code.data)
        if kind is not None and kind.case_related:
            for field, message in (
                (self.age_band, _l("Bitte wählen Sie die Altersgruppe des Kindes.")),
                (self.concern, _l("Bitte wählen Sie die Art der Sorge.")),
                (self.setting, _l("Bitte wählen Sie das Umfeld.")),
                (self.urgency, _l("Bitte wählen Sie die Dringlichkeit.")),
            ):
                if not field.data and not field.errors:
                    field.errors.append(message)
                    valid = False
        return valid

    def to_input(self) -> BookingInput:
        case = CaseInput(age_band=self.age_band.data or "", concern=self.concern.data or "",
                         setting=self.setting.data or "", urgency=self.urgency.data or "",
                         vignette=self.vignette.data or "")
        return BookingInput(starts_at=self.start(), type_code=self.type_code.data, format=self.format.data, case=case,
                            confirmed=self.confirmed.confirmed())


class RescheduleForm(FlaskForm):
    starts_at = HiddenField(validators=[DataRequired()])


class OutcomeForm(FlaskForm):
    result = SelectField(_l("Ergebnis"), choices=choices(RESULTS, empty=_l("– ohne Angabe –")),
                         validators=[Optional()])
    outcome = TextAreaField(_l("Dokumentation (pseudonym, nur für Sie sichtbar)"),
                            validators=[Optional(), _length(5000)])
    confirmed = ConfirmedField()


class CaseReasonForm(ReasonForm):
    """A reason kept with the booking (decline, cancel): the guard checks it like the vignette."""

    confirmed = ConfirmedField()
