"""The areas each role reaches from the header and the start page, and the start page's notices.

Endpoints are plain strings so that this kernel module imports no domain package; an area whose
blueprint is not registered yet is left out. Visitors who have not signed in see the public areas
(`visitors=True`). The header shows the account areas (`account=True`) beside the person's name,
the others in the main row, administrative ones (`administration=True`) gathered in one menu. A
package puts a notice on the start page ("waits for your review") by registering a provider with
`register_notice_provider`.
"""
from dataclasses import dataclass

from flask import current_app

from lms.i18n import _l


@dataclass(frozen=True)
class Area:
    endpoint: str
    label: object
    description: object
    # Who sees it when signed in. None: whom the view's `role_required` admits (every signed-in user
    # if it names no roles), so the rule is written once, at the view; empty: nobody signed in.
    roles: frozenset[str] | None = None
    visitors: bool = False  # shown to visitors who have not signed in
    account: bool = False  # about the person's own account: beside their name in the header
    administration: bool = False  # in the header's "Verwaltung" menu, when a person has two or more of them


AREAS = (
    Area(
        "module.catalogue",
        _l("Qualifizierung"),
        _l("Qualifizierungsmodule der Binnen- und Leistungsdimension finden und einen Platz buchen."),
        visitors=True,
    ),
    Area(
        "instrumente.library",
        _l("Instrumente"),
        _l("Checklisten, Vorlagen, Leitfäden und Vereinbarungen suchen, herunterladen und merken."),
        visitors=True,
    ),
    Area(
        "netzwerk.directory",
        _l("Netzwerk"),
        _l("Einrichtungen der Region mit ihren verbindlichen Ansprechpersonen finden."),
        visitors=True,
    ),
    Area(
        "instrumente.bookmarks",
        _l("Merkliste"),
        _l("Gemerkte Instrumente und ihre neuen Versionen."),
    ),
    Area(
        "kalender.agenda",
        _l("Meine Termine"),
        _l("Alle eigenen Qualifizierungstermine und Fachberatungen nach Tagen, mit Kalender-Abonnement."),
    ),
    Area(
        "module.my_learning",
        _l("Mein Lernen"),
        _l("Gebuchte Plätze, Wartelistenplätze, nächste Termine und Teilnahmebescheinigungen."),
    ),
    Area(
        "beratung.find",
        _l("Fachberatung"),
        _l("Insoweit erfahrene Fachkräfte finden und eine pseudonyme Beratung buchen."),
        frozenset({"partner", "coordinator"}),  # narrower than the page: the area is there to book
    ),
    Area(
        "beratung.mine",
        _l("Meine Beratungen"),
        _l("Gebuchte und angefragte Beratungen, Absagen und Verschiebungen."),
    ),
    Area(
        "beratung.availability",
        _l("Beratungszeiten"),
        _l("Profil, wöchentliche Zeitfenster und Abwesenheiten pflegen."),
    ),
    Area(
        "beratung.overview",
        _l("Beratungsstatistik"),
        _l("Beratungen je Monat, Art, Sektor, Region und Format, ohne Falldaten."),
    ),
    Area(
        "kompetenzen.my_profile",
        _l("Kompetenzprofil"),
        _l("Soll und Ist je Kompetenz, Lücken und passende nächste Module."),
    ),
    Area(
        "kompetenzen.framework",
        _l("Kompetenzrahmen"),
        _l("Kompetenzbereiche, Kompetenzen, Stufen und Sollstufen pflegen."),
        administration=True,
    ),
    Area(
        "kompetenzen.overview",
        _l("Kompetenzen je Region"),
        _l("Wie viele Koordinator*innen ihre Sollstufen erreichen, und welche Kompetenzen kein Angebot abdeckt."),
        administration=True,
    ),
    Area(
        "berichte.index",
        _l("Sachbericht"),
        _l("Der Jahresbericht je Region: Gremien, Netzwerk, Vereinbarungen, Qualifizierung und Beratung in Zahlen."),
        administration=True,
    ),
    Area(
        "kompetenzen.confirmations",
        _l("Kompetenzen bestätigen"),
        _l("In der Praxis gezeigte Kompetenzstufen von Teilnehmenden bestätigen."),
    ),
    Area(
        "netzwerk.numbers",
        _l("Notrufnummern"),
        _l("Die Nummern der Notfallansicht pflegen und bestätigen: Jugendamt, Hotline, Polizei, Notdienste."),
        administration=True,
    ),
    Area(
        "netzwerk.agreements",
        _l("Kooperationsvereinbarungen"),
        _l("Vereinbarungen mit den Partnern abstimmen, Unterschriften und Fassungen ablegen, Laufzeiten im Blick."),
        administration=True,
    ),
    Area(
        "module.manage",
        _l("Module verwalten"),
        _l("Module und Durchführungen planen, Teilnehmende und Anwesenheit pflegen."),
        administration=True,
    ),
    Area(
        "auth.users",
        _l("Benutzerverwaltung"),
        _l("Konten einladen, Rollen und Regionen zuweisen, Konten deaktivieren."),
        administration=True,
    ),
    Area(
        "auth.regions",
        _l("Regionen"),
        _l("Landkreise und kreisfreie Städte der Netzwerke pflegen."),
        administration=True,
    ),
    Area(
        "datenschutz.records",
        _l("Datenschutz"),
        _l("Verzeichnis der Verarbeitungstätigkeiten, Aufbewahrung und Auskunft."),
        administration=True,
    ),
    Area(
        "datenschutz.audit_trail",
        _l("Protokoll"),
        _l("Wer hat wann welche Verwaltungsaktion ausgeführt."),
        administration=True,
    ),
    Area(
        "module.verify_form",
        _l("Nachweis prüfen"),
        _l("Eine Teilnahmebescheinigung anhand ihrer Nummer und des Namens darauf prüfen."),
        frozenset(),
        visitors=True,
    ),
    Area(
        "kalender.settings",
        _l("Kalender abonnieren"),
        _l("Die eigenen Termine im Kalenderprogramm sehen."),
        account=True,
    ),
    Area(
        "auth.account",
        _l("Mein Konto"),
        _l("Name, Sprache und Passwort ändern."),
        account=True,
    ),
)


def _may_open(area: Area, user) -> bool:
    if not user.is_authenticated:
        return area.visitors
    roles = area.roles
    if roles is None:
        roles = getattr(current_app.view_functions[area.endpoint], "required_roles", None)
    return roles is None or user.has_role(*roles)


def areas_for(user) -> list[Area]:
    """The areas *user* (signed in or not) may open, in menu order."""
    endpoints = current_app.view_functions  # the registered blueprints' endpoints
    return [area for area in AREAS if area.endpoint in endpoints and _may_open(area, user)]

ROLE_INTROS = {
    "admin": _l("Sie verwalten Konten, Rollen und Regionen des Netzwerks."),
    "coordinator": _l("Sie koordinieren das Netzwerk: Qualifizierung, Instrumente und Ihr Kompetenzprofil."),
    "trainer": _l("Sie gestalten Qualifizierungsmodule und begleiten die Teilnehmenden."),
    "partner": _l("Sie nehmen an Qualifizierungen teil, nutzen Instrumente und buchen Fachberatung."),
    "expert": _l("Sie bieten Fachberatung an und verwalten Ihre Beratungszeiten."),
}


def intros_for(user) -> list:
    """One sentence per role the user holds, in a fixed order."""
    return [text for role, text in ROLE_INTROS.items() if user.has_role(role)]


@dataclass(frozen=True)
class Notice:
    """A line on the start page that something waits for the person, with where to see it."""

    label: object
    url: str
    description: object = ""


NOTICE_PROVIDERS = "lms.start_page_notices"


def register_notice_provider(app, provider) -> None:
    """*provider(user)* returns the start page's notices for *user* (a few queries at most)."""
    app.extensions.setdefault(NOTICE_PROVIDERS, []).append(provider)


def notices_for(user) -> list[Notice]:
    return [notice for provider in current_app.extensions.get(NOTICE_PROVIDERS, ()) for notice in provider(user)]
