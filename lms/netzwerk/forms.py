"""The keepers' forms: an emergency number, an institution and its people, a binding contact, a
cooperation agreement and its parties' signatures; a body, its seats and meetings with their agenda,
minutes, decisions and tasks; and the members' proposal for their institution."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.auth.models import SECTOR_LABELS
from lms.forms import Conditional, MultiCheckboxField, PickerField, ReasonForm, Required, choices
from lms.i18n import _l
from lms.ical import from_berlin
from lms.netzwerk.agreements import TWO_PARTIES_OF_THE_REGION, AgreementInput
from lms.netzwerk.bodies import INSTITUTION_OF_THE_REGION, BodyInput
from lms.netzwerk.directory import ContactInput, InstitutionInput
from lms.netzwerk.meetings import MAX_SERIES, REPEAT_LABELS, MeetingInput
from lms.netzwerk.minutes import A_REGION_INSTITUTION, TaskInput
from lms.netzwerk.models import (
    BODY_KIND_LABELS,
    EMERGENCY_KIND_LABELS,
    INSTITUTION_KIND_LABELS,
    VISIBILITY_LABELS,
    Visibility,
)
from lms.netzwerk.proposals import ProposalInput
from lms.netzwerk.services import NumberInput


def _length(maximum: int) -> Length:
    return Length(max=maximum, message=_l("Höchstens %(max)d Zeichen."))


class EmergencyNumberForm(FlaskForm):
    region_id = SelectField(_l("Region"), coerce=int, validate_choice=False,
                            validators=[DataRequired(_l("Bitte wählen Sie eine Region aus der Liste."))])
    kind = SelectField(_l("Art"), choices=choices(EMERGENCY_KIND_LABELS), validate_choice=False,
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


class InstitutionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Bitte geben Sie den Namen der Einrichtung an.")),
                                               _length(200)])
    sector = SelectField(_l("Sektor"), choices=choices(SECTOR_LABELS), validate_choice=False)
    kind = SelectField(_l("Art"), choices=choices(INSTITUTION_KIND_LABELS), validate_choice=False)
    region_ids = MultiCheckboxField(_l("Regionen"), coerce=int, validate_choice=False, validators=[Required()],
                                    description=_l("Für welche Regionen die Einrichtung da ist."))
    address = StringField(_l("Anschrift"), validators=[Optional(), _length(300)])
    opening_hours = StringField(_l("Öffnungszeiten"), validators=[Optional(), _length(300)])
    website = StringField(_l("Website"), validators=[Optional(), _length(300)],
                          description=_l("Vollständig, mit https://"))
    description = TextAreaField(_l("Angebot im Kinderschutz"), validators=[Optional(), _length(4000)],
                                description=_l("Was die Einrichtung im Kinderschutz anbietet, in wenigen Sätzen."))
    visibility = SelectField(_l("Sichtbar für"), choices=choices({code: VISIBILITY_LABELS[code] for code in (Visibility.PUBLIC,
                                                                                          Visibility.MEMBERS)}),
                             validate_choice=False)

    def to_input(self) -> InstitutionInput:
        return InstitutionInput(name=self.name.data or "", sector=self.sector.data or "", kind=self.kind.data or "",
                                region_ids=list(self.region_ids.data or []), address=self.address.data or "",
                                opening_hours=self.opening_hours.data or "", website=self.website.data or "",
                                description=self.description.data or "", visibility=self.visibility.data or "")


class ContactForm(FlaskForm):
    topic = StringField(_l("Thema"), description=_l("z. B. „Kinderschutzfachkraft nach § 8a“ oder "
                                                    "„Ansprechperson Schule–Jugendhilfe“."),
                        validators=[DataRequired(_l("Bitte nennen Sie das Thema.")), _length(160)])
    name = StringField(_l("Ansprechperson"), validators=[DataRequired(_l("Bitte geben Sie den Namen an.")),
                                                         _length(160)])
    deputy = StringField(_l("Vertretung"), validators=[Optional(), _length(160)])
    phone = StringField(_l("Telefon"), validators=[Conditional(), Optional(), _length(40)],
                        description=_l("Telefon oder Funktionspostfach: mindestens eines."))
    phone_personal = BooleanField(_l("Persönliche Nummer (z. B. Mobiltelefon)"))
    phone_visibility = SelectField(_l("Telefon sichtbar für"), choices=choices(VISIBILITY_LABELS),
                                   default=Visibility.MEMBERS, validate_choice=False)
    mailbox = StringField(_l("Funktionspostfach"), validators=[Conditional(), Optional(), _length(254)])
    mailbox_visibility = SelectField(_l("Postfach sichtbar für"), choices=choices(VISIBILITY_LABELS),
                                     validate_choice=False)
    reachability = StringField(_l("Erreichbarkeit"), validators=[Optional(), _length(300)],
                               description=_l("z. B. „Mo–Fr 8–16 Uhr, außerhalb: Vertretung“."))

    def to_input(self) -> ContactInput:
        return ContactInput(
            topic=self.topic.data or "", name=self.name.data or "", deputy=self.deputy.data or "",
            phone=self.phone.data or "", phone_personal=bool(self.phone_personal.data),
            phone_visibility=self.phone_visibility.data or "", mailbox=self.mailbox.data or "",
            mailbox_visibility=self.mailbox_visibility.data or "", reachability=self.reachability.data or "")


class AgreementForm(FlaskForm):
    title = StringField(_l("Titel"), description=_l("z. B. „Vereinbarung zum Schutzauftrag nach § 8a SGB VIII“."),
                        validators=[DataRequired(_l("Bitte geben Sie der Vereinbarung einen Titel.")), _length(200)])
    party_ids = PickerField(_l("Partner"), validators=[Required()], search_label=_l("Einrichtung suchen (Name)"),
                            refused=TWO_PARTIES_OF_THE_REGION,
                            description=_l("Mindestens zwei Einrichtungen, z. B. das Jugendamt und ein Träger."))
    subject = TextAreaField(_l("Gegenstand und Verfahren"), validators=[Optional(), _length(20000)],
                            description=_l("Was die Partner vereinbaren: Ablauf, Ansprechpersonen, Fristen. "
                                           "Markdown: **fett**, Listen mit „-“."))
    instrument_id = SelectField(_l("Vorlage aus der Instrumentenbibliothek"), coerce=int, validate_choice=False,
                                validators=[Optional()])
    valid_from = DateField(_l("Gilt ab"), validators=[Optional()])
    valid_to = DateField(_l("Gilt bis"), validators=[Optional()], description=_l("Leer lassen, wenn unbefristet."))
    review_months = IntegerField(
        _l("Überprüfen alle … Monate"), description=_l("Leer lassen, wenn keine regelmäßige Überprüfung vereinbart ist."),
        validators=[Optional(), NumberRange(1, 120, _l("Bitte geben Sie eine Zahl von 1 bis 120 an."))])
    note = StringField(_l("Was hat sich geändert?"), validators=[Conditional(), Optional(), _length(500)],
                       description=_l("Nur nötig, wenn Sie den Text ändern: Er wird als neue Fassung gespeichert."))

    def to_input(self, region_id: int) -> AgreementInput:
        return AgreementInput(
            region_id=region_id, title=self.title.data or "", party_ids=list(self.party_ids.data or []),
            subject=self.subject.data or "", instrument_id=self.instrument_id.data or None,
            valid_from=self.valid_from.data, valid_to=self.valid_to.data, review_months=self.review_months.data,
            note=self.note.data or "")


def signatures_form(parties) -> FlaskForm:
    """A date field per party ("unterschrieben am"), named by its institution."""
    class SignaturesForm(FlaskForm):
        pass

    for party in parties:
        setattr(SignaturesForm, f"party_{party.institution_id}", DateField(
            _l("%(name)s: unterschrieben am", name=party.institution.name), validators=[Optional()],
            default=party.signed_on))
    return SignaturesForm()


class AgreementFileForm(FlaskForm):
    file = FileField(_l("Datei"), description=_l("Zum Beispiel der unterschriebene Scan. PDF, DOCX, ODT, PNG oder JPEG."),
                     validators=[FileRequired(_l("Bitte wählen Sie eine Datei aus."))])


class MemberForm(FlaskForm):
    email = StringField(_l("E-Mail-Adresse des Kontos"), validators=[
        DataRequired(_l("Bitte geben Sie die E-Mail-Adresse an, mit der die Person sich anmeldet.")), _length(254)])
    follow = BooleanField(_l("Sektor und Organisation der Person auf die der Einrichtung setzen"), default=True)


PROPOSED_FIELD_LABELS = {"name": _l("Name"), "address": _l("Anschrift"), "opening_hours": _l("Öffnungszeiten"),
                         "website": _l("Website"), "description": _l("Angebot im Kinderschutz")}


def decline_form(proposal_id: int) -> ReasonForm:
    """The reason to decline one proposal: one form per proposal on the institution's page."""
    return ReasonForm(prefix=f"vorschlag{proposal_id}")


class ProposalForm(FlaskForm):
    name = StringField(PROPOSED_FIELD_LABELS["name"], validators=[DataRequired(_l("Bitte geben Sie den Namen der Einrichtung an.")),
                                               _length(200)])
    address = StringField(PROPOSED_FIELD_LABELS["address"], validators=[Optional(), _length(300)])
    opening_hours = StringField(PROPOSED_FIELD_LABELS["opening_hours"], validators=[Optional(), _length(300)])
    website = StringField(PROPOSED_FIELD_LABELS["website"], validators=[Optional(), _length(300)],
                          description=_l("Vollständig, mit https://"))
    description = TextAreaField(PROPOSED_FIELD_LABELS["description"], validators=[Optional(), _length(4000)])
    note = StringField(_l("Hinweis an die Koordination"), validators=[Optional(), _length(500)],
                       description=_l("z. B. „Wir sind umgezogen.“"))

    def to_input(self) -> ProposalInput:
        return ProposalInput(name=self.name.data or "", address=self.address.data or "",
                             opening_hours=self.opening_hours.data or "", website=self.website.data or "",
                             description=self.description.data or "", note=self.note.data or "")


class BodyForm(FlaskForm):
    kind = SelectField(_l("Art"), choices=choices(BODY_KIND_LABELS), validate_choice=False,
                       description=_l("Fallkonferenzen zu einem Kind sind keine Gremien und gehören nicht hierher."))
    name = StringField(_l("Name"), description=_l("z. B. „Steuerungsgruppe Kinderschutz Dresden“."),
                       validators=[DataRequired(_l("Bitte geben Sie dem Gremium einen Namen.")), _length(200)])
    purpose = TextAreaField(_l("Auftrag"), validators=[Optional(), _length(10000)],
                            description=_l("Wofür das Gremium da ist und was es entscheidet. Markdown."))
    public = BooleanField(_l("Öffentlich: Auftrag und Sitze sieht jede*r, auch ohne Anmeldung"))
    chair_email = StringField(_l("Vorsitz oder Moderation (E-Mail-Adresse des Kontos)"),
                              validators=[Optional(), _length(254)],
                              description=_l("Leer lassen: Sie selbst. Der Vorsitz pflegt das Gremium mit."))

    def to_input(self, region_id: int) -> BodyInput:
        return BodyInput(region_id=region_id, kind=self.kind.data or "", name=self.name.data or "",
                         purpose=self.purpose.data or "", public=bool(self.public.data),
                         chair_email=self.chair_email.data or "")


class SeatForm(FlaskForm):
    institution_id = PickerField(_l("Einrichtung"), validators=[Required()],  # the service requires it
                                 search_label=_l("Einrichtung suchen (Name)"), refused=INSTITUTION_OF_THE_REGION,
                                 most=1, too_many=_l("Bitte wählen Sie nur eine Einrichtung."))
    delegate_email = StringField(_l("Entsandte Person (E-Mail-Adresse des Kontos)"),
                                 validators=[Optional(), _length(254)])
    deputy_email = StringField(_l("Vertretung (E-Mail-Adresse des Kontos)"), validators=[Optional(), _length(254)])


class PersonSeatForm(FlaskForm):
    email = StringField(_l("E-Mail-Adresse des Kontos"), validators=[
        DataRequired(_l("Bitte geben Sie die E-Mail-Adresse des Kontos an.")), _length(254)])


class MeetingForm(FlaskForm):
    day = DateField(_l("Datum"), validators=[InputRequired(_l("Bitte geben Sie das Datum an."))])
    start_time = TimeField(_l("Beginn (Uhrzeit)"), validators=[InputRequired(_l("Bitte geben Sie den Beginn an."))])
    end_time = TimeField(_l("Ende (Uhrzeit)"), validators=[InputRequired(_l("Bitte geben Sie das Ende an."))])
    place = StringField(_l("Ort"), validators=[Conditional(), Optional(), _length(300)],
                        description=_l("Ort oder Online-Link: mindestens eines."))
    online_url = StringField(_l("Link zur Online-Sitzung"), validators=[Conditional(), Optional(), _length(500)])
    agenda = TextAreaField(_l("Tagesordnung"), validators=[Optional(), _length(20000)],
                           description=_l("Ein Punkt je Zeile; Vortragende und Unterlagen ergänzen Sie danach auf "
                                          "der Seite der Sitzung."))
    repeat = SelectField(_l("Wiederholung"), choices=choices(REPEAT_LABELS, empty=_l("einmalig")),
                         validate_choice=False, validators=[Optional()])
    count = IntegerField(_l("Anzahl der Termine"), default=4,
                         validators=[Optional(), NumberRange(min=2, max=MAX_SERIES,
                                                             message=_l("Eine Reihe hat 2 bis %(max)d Termine."))],
                         description=_l("Nur für eine Reihe: Jeder Termin ist eine eigene Sitzung mit eigener "
                                        "Einladung und eigenem Protokoll."))

    def to_input(self) -> MeetingInput:
        return MeetingInput(starts_at=from_berlin(self.day.data, self.start_time.data),
                            ends_at=from_berlin(self.day.data, self.end_time.data), place=self.place.data or "",
                            online_url=self.online_url.data or "", agenda=self.agenda.data or "")


class AgendaItemForm(FlaskForm):
    title = StringField(_l("Tagesordnungspunkt"), validators=[
        DataRequired(_l("Bitte geben Sie den Titel des Tagesordnungspunkts an.")), _length(200)])
    presenter = StringField(_l("Vortragende"), validators=[Optional(), _length(200)])
    document = StringField(_l("Unterlage aus der Bibliothek"), validators=[Optional(), _length(300)],
                           description=_l("Nummer oder Adresse eines veröffentlichten Instruments, z. B. "
                                          "„/instrumente/12“."))
    file = FileField(_l("Oder eine eigene Unterlage hochladen"),
                     description=_l("PDF, DOCX, ODT, XLSX, PNG oder JPEG; sie sehen alle, die die Sitzung sehen."))


def minutes_form(meeting, invited, **kwargs) -> FlaskForm:
    """Attendance (a checkbox per invited person) and a text per agenda item; built per meeting."""

    class MinutesForm(FlaskForm):
        present = MultiCheckboxField(_l("Anwesend"), coerce=int, validate_choice=False)

    for item in meeting.items:
        setattr(MinutesForm, f"notes_{item.id}", TextAreaField(
            f"{item.position}. {item.title}", validators=[Optional(), _length(20000)]))
    form = MinutesForm(**kwargs)
    form.present.choices = [(person.id, person.name) for person in invited]
    return form


class DecisionForm(FlaskForm):
    text = TextAreaField(_l("Beschluss"), validators=[
        DataRequired(_l("Bitte geben Sie den Wortlaut des Beschlusses an.")), _length(5000)])


class TaskForm(FlaskForm):
    title = StringField(_l("Aufgabe"), validators=[DataRequired(_l("Bitte beschreiben Sie die Aufgabe.")),
                                                   _length(300)])
    owner_email = StringField(_l("Übernimmt: Person (E-Mail-Adresse des Kontos)"),
                              validators=[Optional(), _length(254)])
    institution_id = PickerField(_l("oder Einrichtung"), search_label=_l("Einrichtung suchen (Name)"),
                                 refused=A_REGION_INSTITUTION, most=1,
                                 too_many=_l("Bitte wählen Sie nur eine Einrichtung."))
    due_on = DateField(_l("Fällig am"), validators=[InputRequired(_l("Bitte geben Sie das Fälligkeitsdatum an."))])

    def to_input(self) -> TaskInput:
        return TaskInput(title=self.title.data or "", due_on=self.due_on.data, owner_email=self.owner_email.data or "",
                         institution_id=self.institution_id.single)


class RemarkForm(FlaskForm):
    text = TextAreaField(_l("Was ist zu berichtigen oder zu ergänzen?"), validators=[
        DataRequired(_l("Bitte schreiben Sie, was zu ergänzen oder zu berichtigen ist.")), _length(5000)])
