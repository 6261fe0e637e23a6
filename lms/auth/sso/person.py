"""What a sign-in provider says about a person, in lms's terms."""
from dataclasses import dataclass, field

from lms.errors import DomainError
from lms.i18n import _, _l


@dataclass(frozen=True)
class DirectoryPerson:
    """A person a provider vouched for: *subject* names her there for good; the rest may change."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    region: str | None = None
    sector: str | None = None


class SignInFailed(DomainError):
    """The provider's answer does not prove who the person is (forged, replayed, expired, bad signature)."""

    default_message = _l("Die Anmeldung konnte nicht bestätigt werden. Bitte beginnen Sie sie noch einmal.")


class SignInRace(DomainError):
    """The same person's first sign-in ran twice at once (two windows): the other one made the account."""

    default_message = _l("Diese Anmeldung lief gleichzeitig ein zweites Mal. Bitte melden Sie sich noch einmal an.")


class SignInCancelled(DomainError):
    def __init__(self, label: str):
        super().__init__(_("Die Anmeldung über %(provider)s wurde abgebrochen.", provider=label))


class ProviderUnreachable(DomainError):
    def __init__(self, label: str):
        super().__init__(_("Die Anmeldung über %(provider)s ist gerade nicht erreichbar. Bitte versuchen Sie es "
                           "später noch einmal oder melden Sie sich mit E-Mail-Adresse und Passwort an.",
                           provider=label))


class UnverifiedEmail(DomainError):
    def __init__(self, label: str):
        super().__init__(_("%(provider)s hat Ihre E-Mail-Adresse nicht als bestätigt gemeldet, daher kann lms Ihnen "
                           "kein Konto zuordnen. Bitte wenden Sie sich an Ihre Administration.", provider=label))


class ForeignAddress(DomainError):
    def __init__(self, label: str):
        super().__init__(_("%(provider)s darf in lms nur Personen mit Adressen seiner Organisation anmelden; Ihre "
                           "Adresse gehört nicht dazu. Bitte wenden Sie sich an Ihre Administration.", provider=label))


class ManagedElsewhere(DomainError):
    def __init__(self, label: str):
        super().__init__(_("Ihr Konto in lms meldet sich über %(provider)s an. Bitte melden Sie sich dort an.",
                           provider=label))


class AdminNotLinked(DomainError):
    default_message = _l("Für diese Adresse gibt es ein Konto der Administration. Es wird nicht automatisch mit "
                         "einem Anmeldedienst verbunden; bitte melden Sie sich mit Ihrem Passwort an.")


class AccountDeactivated(DomainError):
    default_message = _l("Ihr Konto in lms ist deaktiviert. Bitte wenden Sie sich an die Administration.")
