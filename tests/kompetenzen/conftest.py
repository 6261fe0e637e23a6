"""The starter framework for competence tests."""
import pytest

from lms.extensions import db
from lms.kompetenzen import services
from lms.kompetenzen.models import Competence
from tests.conftest import FIXED_NOW
from tests.module.conftest import create_module, create_offering, trainer  # noqa: F401 - shared fixtures


@pytest.fixture
def framework(app):
    services.seed_framework(now=FIXED_NOW)
    db.session.commit()
    return {c.code: c for c in db.session.scalars(db.select(Competence))}
