"""The admin's form for a legal page."""
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from lms.i18n import _l
from lms.legal.services import MAX_LENGTH


class LegalTextForm(FlaskForm):
    body = TextAreaField(
        _l("Text der Seite"), description=_l("Markdown: **fett**, Listen mit „-“, Links als [Text](https://…)."),
        validators=[DataRequired(_l("Bitte geben Sie den Text der Seite ein.")),
                    Length(max=MAX_LENGTH, message=_l("Höchstens %(max)d Zeichen."))],
    )
