"""The two qualification dimensions of the Begleitkonzept (DOMAIN.md 1.1)."""
from enum import StrEnum

from lms.i18n import _l


class Dimension(StrEnum):
    INTERNAL = "internal"  # Binnendimension: building and running the network
    PERFORMANCE = "performance"  # Leistungsdimension: legal basics, risk, prevention, emergencies


DIMENSION_LABELS = {
    Dimension.INTERNAL: _l("Binnendimension"),
    Dimension.PERFORMANCE: _l("Leistungsdimension"),
}
