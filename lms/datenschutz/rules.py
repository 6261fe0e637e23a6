"""The one list of data-protection rules, a rule per table: gathered from the packages that own the
tables (their `privacy.py`), plus the kernel's own. The records of processing, the person export and
the erasure of an account follow it; tests/datenschutz/test_rules.py holds it complete."""
from lms.auth import privacy as auth
from lms.beratung import privacy as beratung
from lms.i18n import _l
from lms.instrumente import privacy as instrumente
from lms.kalender import privacy as kalender
from lms.kompetenzen import privacy as kompetenzen
from lms.legal import privacy as legal
from lms.module import privacy as module
from lms.netzwerk import privacy as netzwerk
from lms.notifications import privacy as notifications
from lms.privacy import Erasure, TableRule

OPERATION = _l("Betrieb")
KERNEL_RULES = (
    TableRule("audit_entry", _l("Protokoll der Verwaltung"), _l("Nachweis, wer Rechte, Konten und Einstellungen "
              "änderte und Daten exportierte (Art. 5 Abs. 2 DSGVO)"), _l("Administration, Datenschutz"),
              Erasure.PSEUDONYMISE, _l("eigene Frist"), "RETENTION_AUDIT_DAYS", "purge_audit_trail"),
    TableRule("job_run", OPERATION, _l("Letzter Lauf jeder geplanten Aufgabe"), _l("Administration"), Erasure.NONE,
              _l("bis zum nächsten Lauf")),
    TableRule("scheduler_lease", OPERATION, _l("Welcher Prozess die geplanten Aufgaben ausführt (Rechner, Prozessnummer)"), _l("niemand"),
              Erasure.NONE, _l("bis zur nächsten Übernahme")),
    TableRule("content_change", OPERATION, _l("Zeitpunkte von Änderungen am Katalog (für die zwischengespeicherten "
              "Seitenteile)"), _l("niemand"), Erasure.NONE, _l("einen Tag"), None, "purge_content_changes"),
    TableRule("installation_value", OPERATION, _l("Feste Werte der Installation"), _l("niemand"), Erasure.NONE,
              _l("unbefristet")),
    TableRule("rate_limit_counter", OPERATION, _l("Zähler fehlgeschlagener Anmeldungen"), _l("niemand"),
              Erasure.KEEP, _l("höchstens 15 Minuten"), None, "purge_rate_limit_counters"),
)

# In the order erasure runs them: the account itself last, when nothing needs its address any more.
PACKAGES = (module, kompetenzen, instrumente, beratung, netzwerk, kalender, legal, notifications, auth)
RULES: tuple[TableRule, ...] = KERNEL_RULES + tuple(rule for package in PACKAGES for rule in package.RULES)
