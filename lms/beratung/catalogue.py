"""The fixed vocabularies of consultations: types (DOMAIN.md 5.3), formats and the pseudonymous case fields.

They are code, not tables: each carries a legal basis and its data rules, which change with the law
and a release, not through an admin form.
"""
from dataclasses import dataclass

from lms.i18n import _l


@dataclass(frozen=True)
class ConsultationType:
    code: str
    label: object
    basis: str
    case_related: bool
    data_rule: object
    bookable: bool = True

    @property
    def cited_label(self) -> str:
        """The label with its statutory basis, cited once: a label that names its paragraph already
        ("… (§ 8a Abs. 4)") gets the full citation in its place, not a second one beside it."""
        label = str(self.label)
        if not self.basis.startswith("§") or self.basis in label:
            return label  # the accompanying concept is no statute; a cited paragraph is not repeated
        if label.endswith(")") and "(" in label:
            start = label.rindex("(")
            if self.basis.startswith(label[start + 1:-1]):
                return f"{label[:start]}({self.basis})"
        return f"{label} ({self.basis})"


CONSULTATION_TYPES = {
    kind.code: kind for kind in (
        ConsultationType(
            "case_consult_8b", _l("Fachberatung zur Gefährdungseinschätzung (anonym/pseudonymisiert)"),
            "§ 8b Abs. 1 SGB VIII", True,
            _l("ausschließlich pseudonymisierte Fallvignette (keine Angaben, die das Kind identifizierbar machen)"),
        ),
        ConsultationType(
            "case_consult_kkg4", _l("Beratung für Berufsgeheimnisträger nach § 4 Abs. 2 KKG"), "§ 4 Abs. 2 KKG", True,
            _l("Daten sind vor der Übermittlung zu pseudonymisieren (ausdrücklich in § 4 Abs. 2 KKG geregelt)"),
        ),
        ConsultationType(
            "case_consult_8a4", _l("Hinzuziehung der insoweit erfahrenen Fachkraft (§ 8a Abs. 4)"),
            "§ 8a Abs. 4 SGB VIII", True,
            _l("pseudonymisiert; die Fallakte des Trägers verbleibt außerhalb der Anwendung"),
        ),
        # "Usually case-related": the strict rules apply unless the booker picks a type without case.
        ConsultationType("reflection", _l("Reflexions- und Klärungsgespräch"), "Begleitkonzept", True,
                         _l("bei Fallbezug pseudonymisiert")),
        ConsultationType(
            "helper_conf_prep", _l("Vorbereitung einer Helferkonferenz"), "Begleitkonzept", True,
            _l("pseudonymisiert; die Helferkonferenz selbst findet außerhalb der Anwendung statt"),
        ),
        ConsultationType(
            "process_consult", _l("Prozess- und Praxisberatung (Fachberatung im Begleitkonzept)"), "Begleitkonzept",
            False, _l("übliche personenbezogene Daten der beteiligten Fachkräfte"),
        ),
        ConsultationType("cooperation_clarify", _l("Klärungsgespräch zur Kooperation"), "Begleitkonzept", False,
                         _l("keine Falldaten")),
        # Provided by the Landesjugendamt: shown as a referral, not bookable here (DOMAIN.md 5.3).
        ConsultationType(
            "org_consult_8b2", _l("Beratung zu Handlungsleitlinien / Schutzkonzepten (§ 8b Abs. 2)"),
            "§ 8b Abs. 2 SGB VIII", False, _l("ausschließlich Daten der Einrichtung bzw. des Trägers"), bookable=False,
        ),
    )
}
BOOKABLE_TYPES = {code: kind for code, kind in CONSULTATION_TYPES.items() if kind.bookable}

FORMAT_LABELS = {"in_person": _l("Vor Ort"), "phone": _l("Telefon"), "video": _l("Video")}

AGE_BANDS = {"0-2": _l("0–2 Jahre"), "3-5": _l("3–5 Jahre"), "6-9": _l("6–9 Jahre"), "10-13": _l("10–13 Jahre"),
             "14-17": _l("14–17 Jahre")}
CONCERNS = {
    "neglect": _l("Vernachlässigung"),
    "physical": _l("körperliche Gewalt"),
    "psychological": _l("psychische Gewalt"),
    "sexual": _l("sexualisierte Gewalt"),
    "domestic": _l("miterlebte häusliche Gewalt"),
    "other": _l("anderes"),
}
SETTINGS = {
    "kita": _l("Kita"),
    "school": _l("Schule"),
    "health": _l("Gesundheitswesen"),
    "youth_welfare": _l("Kinder- und Jugendhilfe"),
    "leisure": _l("Freizeit, Verein, Jugendarbeit"),
    "other": _l("anderes"),
}
URGENCIES = {
    "routine": _l("nicht dringend (innerhalb von zwei Wochen)"),
    "soon": _l("bald (in den nächsten Tagen)"),
    "urgent": _l("dringend (heute oder morgen)"),
}
# The pseudonymised result categories of DOMAIN.md 2.3 rule 11.
RESULTS = {
    "no_risk": _l("keine Gefährdung erkennbar"),
    "support": _l("Hilfeangebot empfohlen"),
    "inform_ja": _l("Information des Jugendamts empfohlen"),
    "immediate": _l("sofortiges Handeln erforderlich"),
}
SLOT_LENGTHS = (30, 45, 60, 90)
