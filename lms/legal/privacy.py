"""Data-protection rules of the legal pages (see lms/privacy.py): the texts name their last editor by
account only, so there is nothing of a person to export or delete."""
from lms.i18n import _l
from lms.privacy import Erasure, TableRule

RULES = (
    TableRule("legal_text", _l("Rechtstexte"), _l("Impressum, Datenschutzerklärung"), _l("alle"),
              Erasure.PSEUDONYMISE, _l("unbefristet")),
)

