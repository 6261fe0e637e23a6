"""The one form of data protection: confirming an erasure by typing the account's e-mail address."""
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from lms.i18n import _l


class EraseForm(FlaskForm):
    email = StringField(_l("Zur Bestätigung die E-Mail-Adresse des Kontos"),
                        validators=[DataRequired(_l("Bitte geben Sie zur Bestätigung die E-Mail-Adresse ein."))])

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def validate_email(self, field) -> None:
        if field.data.strip().lower() != self.expected.lower():
            raise ValidationError(_l("Die E-Mail-Adresse stimmt nicht mit der des Kontos überein."))
