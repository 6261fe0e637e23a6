"""Outlines of the legal pages, shown until an admin saves the operator's own text (Markdown)."""
from lms.i18n import _l

DRAFTS = {
    "impressum": _l("""**Diese Seite hat der Betreiber noch nicht ausgefüllt.**

Nach § 5 Digitale-Dienste-Gesetz (DDG) nennt das Impressum:

- den Namen und die Anschrift der Stelle, die diese Plattform betreibt (zum Beispiel das Jugendamt des Landkreises), bei Behörden auch die Rechtsform und die vertretungsberechtigte Person,
- eine E-Mail-Adresse und eine Telefonnummer für eine schnelle Kontaktaufnahme,
- die zuständige Aufsichtsbehörde, soweit vorhanden,
- die inhaltlich verantwortliche Person.
"""),
    "datenschutz": _l("""**Diese Seite hat der Betreiber noch nicht ausgefüllt.**

Nach Art. 13 DSGVO informiert die Datenschutzerklärung über:

- den Verantwortlichen und die behördliche Datenschutzbeauftragte oder den Datenschutzbeauftragten mit Kontaktdaten,
- die Zwecke und Rechtsgrundlagen der Verarbeitung: Konten, Buchungen von Qualifizierungsmodulen, Anwesenheit und Bescheinigungen, Kompetenzprofile, Instrumente, pseudonyme Fachberatung (§ 8a Abs. 4, § 8b Abs. 1 SGB VIII, § 4 Abs. 2 KKG, § 64 Abs. 2a SGB VIII),
- die Empfänger, die Speicherdauer (Falldaten der Fachberatung werden nach der eingestellten Frist gelöscht) und die Rechte der betroffenen Personen (Auskunft, Berichtigung, Löschung, Einschränkung, Widerspruch, Beschwerde bei der Aufsichtsbehörde),
- die technisch notwendigen Cookies (Anmeldung und Schutz vor gefälschten Formularen); die Plattform setzt keine Tracking-Dienste ein.
"""),
    "barrierefreiheit": _l("""**Diese Seite hat der Betreiber noch nicht ausgefüllt.**

Nach § 7 Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) enthält die Erklärung zur Barrierefreiheit:

- den Stand der Vereinbarkeit mit den Anforderungen (WCAG 2.1, Stufe AA, und EN 301 549) und das Datum der Prüfung: Die Seiten dieser Plattform werden bei jeder Änderung automatisch mit axe-core auf WCAG 2.1 AA geprüft,
- die Inhalte, die nicht barrierefrei sind, und die Gründe dafür,
- einen **Feedback-Mechanismus**: eine Kontaktmöglichkeit, über die Nutzerinnen und Nutzer Barrieren melden und barrierefreie Informationen anfordern können,
- den Hinweis auf das Schlichtungsverfahren und die zuständige Schlichtungsstelle des Landes.
"""),
}
