"""The refusals of qualification that the pages explain to the person: each a DomainError with its text.

Kept apart so that every part of the services (and the views) can name them without importing the rules.
"""
from flask_babel import format_date

from lms.errors import Conflict, DomainError
from lms.i18n import _l
from lms.module.models import Offering

# What a module or an offering can be linked to: the services refuse anything else, and the forms'
# pickers say the same.
TRAINERS_ONLY = _l("Als Referent*innen können nur Konten mit der Rolle Referent*in eingetragen werden.")
PUBLISHED_PREREQUISITES_ONLY = _l("Als Voraussetzung können nur veröffentlichte Module gewählt werden.")
PUBLISHED_MATERIALS_ONLY = _l("Als Kursmaterial können nur veröffentlichte Instrumente gewählt werden.")


class RegistrationClosed(DomainError):
    default_message = _l("Diese Durchführung ist nicht buchbar: sie ist geschlossen oder abgesagt.")


class NotInTargetGroup(DomainError):
    default_message = _l("Dieses Modul richtet sich nicht an Ihre Rolle oder Ihren Sektor.")


class AlreadyEnrolled(Conflict):
    default_message = _l("Sie haben in dieser Durchführung bereits einen Platz, stehen auf der Warteliste oder haben angefragt.")


class AlreadyInModule(Conflict):
    """One active place per person and module: a second offering of the same module is a double booking."""

    def __init__(self, other: Offering):
        self.other = other
        super().__init__(_l(
            "Sie haben bereits in einer anderen Durchführung dieses Moduls einen Platz, stehen dort auf der "
            "Warteliste oder haben sie angefragt (Beginn %(date)s). Wenn Sie wechseln möchten, geben Sie dort "
            "zuerst Ihren Platz zurück.",
            date=format_date(other.first_starts_at, "dd.MM.yyyy") if other.first_starts_at else "–",
        ))


class PrerequisitesMissing(DomainError):
    def __init__(self, modules):
        self.modules = modules
        super().__init__(_l(
            "Für dieses Modul fehlen Ihnen Voraussetzungen: %(titles)s. Sie können die Referent*innen bitten, Sie trotzdem zuzulassen („Zulassung anfragen“).",
            titles=", ".join(module.title for module in modules),
        ))


class InvalidDates(DomainError):
    pass
