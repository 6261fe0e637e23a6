"""The starter instruments (DOMAIN.md 4.3), copied from the team's starter data."""

INSTRUMENTS = [{'code': 'I01',
  'title': 'Netzwerkkarte / Akteurslandkarte',
  'kind': 'analysis',
  'summary': 'Grafische Darstellung der Akteur*innen nach Bereich und Ebene, einschließlich der Intensität '
             'der Beziehungen und bestehender Lücken.',
  'dimension': 'internal'},
 {'code': 'I02',
  'title': 'Bestands- und Bedarfsanalyse (Erhebungsbogen)',
  'kind': 'analysis',
  'summary': 'Fragebogen für Netzwerkpartner*innen zu Angeboten, Zielgruppen, Kapazitäten und '
             'Kooperationsbedarfen.',
  'dimension': 'internal'},
 {'code': 'I03',
  'title': 'Muster-Kooperationsvereinbarung (interdisziplinär)',
  'kind': 'agreement',
  'summary': 'Vertragsparteien, Ziele, benannte Ansprechpersonen, fallübergreifende Verfahren, '
             'Datenschutzklausel und Überprüfungstermin.',
  'dimension': 'internal'},
 {'code': 'I04',
  'title': 'Mustervereinbarung zum Schutzauftrag nach § 8a Abs. 4 SGB VIII',
  'kind': 'agreement',
  'summary': 'Pflicht zur Gefährdungseinschätzung, Hinzuziehung der insoweit erfahrenen Fachkraft (IeF), '
             'Qualifikationskriterien der IeF, Beteiligung der Erziehungsberechtigten und des Kindes bzw. '
             'Jugendlichen, Information des Jugendamts.',
  'dimension': 'internal'},
 {'code': 'I05',
  'title': 'Rollenklärungsmatrix',
  'kind': 'moderation',
  'summary': 'Legt für jeden Schritt der Netzwerk- und Fallverfahren fest, wer entscheidet, wer durchführt, '
             'wer einbezogen und wer informiert wird.',
  'dimension': 'internal'},
 {'code': 'I06',
  'title': 'Geschäftsordnung / Arbeitsauftrag für Gremien',
  'kind': 'governance',
  'summary': 'Auftrag, Mitglieder, Entscheidungsregeln und Sitzungsturnus für Netzwerkforum, '
             'Steuerungsgruppe und Projektgruppen.',
  'dimension': 'internal'},
 {'code': 'I07',
  'title': 'Moderationsleitfaden und Protokollvorlage',
  'kind': 'moderation',
  'summary': 'Tagesordnungsvorlage, Beschlussliste, Aufgabenliste und Checkliste zur Transparenz.',
  'dimension': 'internal'},
 {'code': 'I08',
  'title': 'Checkliste Helferkonferenz',
  'kind': 'case_cooperation',
  'summary': 'Im Vorfeld: Anlass und Ziel, Teilnehmende, Einwilligung bzw. Rechtsgrundlage, Einladungen. '
             'Während der Konferenz: Rollen, Trennung von Fakten und Einschätzungen, Vereinbarungen. Im '
             'Nachgang: Wer macht was bis wann, Dokumentation.',
  'dimension': 'performance'},
 {'code': 'I09',
  'title': 'Leitfaden pseudonymisierte Fallberatung (§ 8b SGB VIII / § 4 KKG)',
  'kind': 'case_cooperation',
  'summary': 'Ablauf der Beratung, Erstellung einer Fallvignette ohne identifizierende Daten, mögliche '
             'Ergebnisse; die Fallverantwortung verbleibt bei der ratsuchenden Fachkraft.',
  'dimension': 'performance'},
 {'code': 'I10',
  'title': 'Einschätzskalen / Risikoeinschätzungsbögen (Verweis)',
  'kind': 'risk_assessment',
  'summary': 'Links und Kurzbeschreibungen etablierter Instrumente, z. B. KiWo-Skala KiTa und KiWo-Skala '
             'Schulkind (KVJS Baden-Württemberg) sowie der Sächsische Einschätzungsbogen. Die Anwendung '
             'speichert das **leere** Instrument oder einen Link, **niemals einen ausgefüllten Bogen**.',
  'dimension': 'performance'},
 {'code': 'I11',
  'title': 'Ablaufschema bei gewichtigen Anhaltspunkten',
  'kind': 'risk_assessment',
  'summary': 'Bereichsspezifisches Ablaufschema: Wahrnehmen → Austausch mit Kolleg*innen bzw. Leitung → '
             'Beratung durch die IeF → Gespräch mit Eltern bzw. Kind → Information des Jugendamts.',
  'dimension': 'performance'},
 {'code': 'I12',
  'title': 'Verzeichnis verbindlicher Ansprechpartner und Notrufnummern',
  'kind': 'directory',
  'summary': 'Benannte Ansprechpersonen je Institution, Pool der insoweit erfahrenen Fachkräfte, Notdienst '
             'des Jugendamts außerhalb der Dienstzeiten.',
  'dimension': 'both'},
 {'code': 'I13',
  'title': 'Netzwerk-Qualitätscheck (Selbstevaluation)',
  'kind': 'quality',
  'summary': 'Kriterien zur Struktur-, Prozess- und Ergebnisqualität, die die Steuerungsgruppe einmal '
             'jährlich bewertet.',
  'dimension': 'internal'},
 {'code': 'I14',
  'title': 'Leitfaden Konfliktklärung und Dissens',
  'kind': 'moderation',
  'summary': 'Eskalationsstufen bei Dissens zwischen Netzwerkpartner*innen (und zwischen ratsuchender '
             'Fachkraft und IeF).',
  'dimension': 'internal'},
 {'code': 'I15',
  'title': 'Jahresplanung Qualifizierung + Feedbackbogen',
  'kind': 'qualification',
  'summary': 'Kreislauf: Bedarfserhebung → Programm → Evaluation.',
  'dimension': 'performance'}]
