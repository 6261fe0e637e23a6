"""Input shapes of the library pages."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from lms.auth.models import SECTOR_LABELS
from lms.forms import Conditional, MultiCheckboxField
from lms.i18n import _l
from lms.instrumente.models import DIMENSION_CHOICES, KIND_LABELS, VISIBILITY_LABELS
from lms.instrumente.services import InstrumentInput, Upload, parse_topics


def _length(maximum: int):
    return Length(max=maximum, message=_l("Höchstens %(max)d Zeichen."))


class InstrumentForm(FlaskForm):
    code = StringField(_l("Kürzel"), description=_l("Zum Beispiel I08."), validators=[Optional(), _length(20)])
    title = StringField(_l("Titel"), validators=[DataRequired(_l("Bitte geben Sie einen Titel an.")), _length(200)])
    kind = SelectField(_l("Art"), choices=[SelectChoice(code.value, label) for code, label in KIND_LABELS.items()])
    summary = TextAreaField(_l("Kurzbeschreibung"), validators=[
        DataRequired(_l("Bitte geben Sie eine Kurzbeschreibung an.")), _length(500)])
    description = TextAreaField(
        _l("Beschreibung"), description=_l("Markdown: **fett**, *kursiv*, Listen mit „-“, Links, Überschriften mit „##“."),
        validators=[Optional(), _length(20000)])
    dimension = SelectField(_l("Dimension"), choices=[SelectChoice(code, label) for code, label in DIMENSION_CHOICES.items()])
    topics = StringField(_l("Themen"), description=_l("Durch Kommas getrennt, z. B. Helferkonferenz, Datenschutz."),
                         validators=[Optional(), _length(500)])
    sectors = MultiCheckboxField(_l("Zielsektoren"), choices=[SelectChoice(code.value, label)
                                                            for code, label in SECTOR_LABELS.items()],
                                 validate_choice=False, validators=[Optional()])  # validate_sectors says it in German
    licence_note = StringField(_l("Lizenz- und Quellenhinweis"), validators=[Optional(), _length(500)])
    visibility = SelectField(_l("Sichtbarkeit"), choices=[SelectChoice(code.value, label)
                                                          for code, label in VISIBILITY_LABELS.items()])
    link_url = StringField(_l("Externer Link"), description=_l("Für Instrumente Dritter, die hier nicht abgelegt werden dürfen."),
                           validators=[Optional(), _length(500), URL(message=_l("Bitte geben Sie eine vollständige Adresse mit https:// an."))])
    file = FileField(_l("Datei"), description=_l("PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, TXT, PNG oder JPEG."),
                     validators=[Optional()])
    change_note = StringField(_l("Was hat sich geändert?"), description=_l("Erscheint in der Versionsgeschichte."),
                              validators=[Optional(), _length(500)])

    def validate_sectors(self, field) -> None:
        if set(field.data or ()) - set(SECTOR_LABELS):
            raise ValidationError(_l("Bitte wählen Sie nur bekannte Sektoren."))

    def to_input(self) -> InstrumentInput:
        return InstrumentInput(
            code=self.code.data, title=self.title.data, kind=self.kind.data, summary=self.summary.data,
            description=self.description.data or "", dimension=self.dimension.data,
            topics=parse_topics(self.topics.data or ""), sectors=self.sectors.data or [],
            licence_note=self.licence_note.data or "", visibility=self.visibility.data,
            link_url=self.link_url.data or "",
        )

    def upload(self) -> Upload | None:
        storage = self.file.data
        if storage is None or not getattr(storage, "filename", ""):
            return None
        return Upload(filename=storage.filename, data=storage.read())


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Kommentar der Prüfung"),
                            description=_l("Nötig, wenn Sie zur Überarbeitung zurückgeben."),
                            validators=[Conditional(), Optional(), _length(1000)])
    # The state the reviewer looked at (version count of a draft, revision of a proposal): a decision
    # about something that changed since is refused.
    seen = IntegerField(widget=HiddenInput(), validators=[Optional()])


class BookmarkForm(FlaskForm):
    notify_by_mail = BooleanField(_l("Bei neuen Versionen per E-Mail benachrichtigen"))
