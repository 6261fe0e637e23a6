"""Expert consultation pages."""
from flask import Blueprint

from lms.beratung import services  # noqa: F401 (placeholder)

bp = Blueprint("beratung", __name__)


@bp.get("/beratung/fachkraefte/<int:expert_id>")
def expert(expert_id: int):
    return ""


@bp.get("/beratung/buchungen/<int:consultation_id>")
def consultation(consultation_id: int):
    return ""
