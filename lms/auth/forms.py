"""Input shapes of the account pages. Rules beyond shape live in services."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from lms.auth.models import REGION_KIND_LABELS, ROLE_LABELS, SECTOR_LABELS
from lms.forms import Conditional, MultiCheckboxField, Required
from lms.i18n import _l

PASSWORD_MIN, PASSWORD_MAX = 10, 128
LANGUAGE_CHOICES = [
    SelectChoice("", _l("Wie im Browser eingestellt")), SelectChoice("de", "Deutsch"), SelectChoice("en", "English"),
]


def _email_field(label=_l("E-Mail-Adresse"), missing=_l("Bitte geben Sie Ihre E-Mail-Adresse an.")):
    return EmailField(
        label,
        validators=[
            DataRequired(missing),
            Length(max=254, message=_l("Die E-Mail-Adresse darf höchstens %(max)d Zeichen lang sein.")),
            Email(message=_l("Bitte geben Sie eine gültige E-Mail-Adresse an."), check_deliverability=False),
        ],
    )


def _new_password_fields():
    password = PasswordField(
        _l("Neues Passwort"),
        description=_l("Mindestens %(min)d Zeichen.", min=PASSWORD_MIN),
        validators=[
            DataRequired(_l("Bitte geben Sie ein neues Passwort an.")),
            Length(
                min=PASSWORD_MIN, max=PASSWORD_MAX,
                message=_l("Das Passwort muss zwischen %(min)d und %(max)d Zeichen lang sein."),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Neues Passwort wiederholen"),
        validators=[
            DataRequired(_l("Bitte wiederholen Sie das neue Passwort.")),
            EqualTo("password", message=_l("Die beiden Passwörter stimmen nicht überein.")),
        ],
    )
    return password, confirm


def _name_field():
    return StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen Namen an.")),
            Length(max=120, message=_l("Der Name darf höchstens %(max)d Zeichen lang sein.")),
        ],
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Passwort"),
        validators=[
            DataRequired(_l("Bitte geben Sie Ihr Passwort an.")),
            Length(max=PASSWORD_MAX, message=_l("Das Passwort darf höchstens %(max)d Zeichen lang sein.")),
        ],
    )
    remember = BooleanField(_l("Angemeldet bleiben"))


class DirectoryLoginForm(LoginForm):
    """With an LDAP directory people sign in with the name they know from it, or their address."""

    email = StringField(_l("E-Mail-Adresse oder Benutzername"), validators=[
        DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse oder Ihren Benutzernamen an.")),
        Length(max=254, message=_l("Die Angabe darf höchstens %(max)d Zeichen lang sein.")),
    ])


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()


class AcceptInvitationForm(FlaskForm):
    password, confirm = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Aktuelles Passwort"),
        validators=[DataRequired(_l("Bitte geben Sie Ihr aktuelles Passwort an.")), Length(max=PASSWORD_MAX)],
    )
    password, confirm = _new_password_fields()


class ProfileForm(FlaskForm):
    name = _name_field()
    locale = SelectField(_l("Sprache der Oberfläche"), choices=LANGUAGE_CHOICES)


def _sector_choices():
    return [SelectChoice("", _l("Kein Sektor"))] + [SelectChoice(code.value, label) for code, label in SECTOR_LABELS.items()]


def _role_choices():
    return [SelectChoice(code.value, label) for code, label in ROLE_LABELS.items()]


def _role_field():
    return MultiCheckboxField(_l("Rollen"), choices=_role_choices, validators=[Required()])  # see validate_roles


def _region_field():
    return SelectField(_l("Region"), coerce=lambda v: int(v) if v else None, validators=[Optional()])


def _sector_field():
    return SelectField(
        _l("Sektor"), choices=_sector_choices, validators=[Conditional()],  # see validate_sector
        description=_l("Nur für Netzwerkpartner*innen: das Arbeitsfeld der Organisation."),
    )


class _AccountFields(FlaskForm):
    """Roles, region and sector, shared by the invitation and the account form. Each form declares the
    fields in the order of its page (the error summary lists errors in field order)."""

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = [SelectChoice("", _l("Keine Region"))] + [
            SelectChoice(region.id, region.name) for region in regions
        ]

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("Bitte wählen Sie mindestens eine Rolle."))

    def validate_sector(self, field):
        if "partner" in (self.roles.data or []) and not field.data:
            raise ValidationError(_l("Netzwerkpartner*innen brauchen einen Sektor."))


class InvitationForm(_AccountFields):
    email = _email_field(missing=_l("Bitte geben Sie die E-Mail-Adresse der eingeladenen Person an."))
    name = _name_field()
    roles, region, sector = _role_field(), _region_field(), _sector_field()


class AccountForm(_AccountFields):
    name = _name_field()
    roles, region, sector = _role_field(), _region_field(), _sector_field()
    organisation = StringField(
        _l("Organisation"),
        validators=[Optional(), Length(max=200, message=_l("Höchstens %(max)d Zeichen."))],
    )
    active = BooleanField(_l("Konto aktiv"))


class RegionForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen Namen an.")),
            Length(max=120, message=_l("Der Name darf höchstens %(max)d Zeichen lang sein.")),
        ],
    )
    kind = SelectField(
        _l("Art"), choices=[SelectChoice(kind.value, label) for kind, label in REGION_KIND_LABELS.items()]
    )
