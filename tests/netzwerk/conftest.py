"""What the network's tests share: a region, its coordinator, and institutions she keeps."""
import pytest

from lms.extensions import db
from lms.netzwerk import directory
from lms.netzwerk.directory import InstitutionInput


@pytest.fixture
def region(create_region):
    return create_region("Dresden")


@pytest.fixture
def keeper(create_user, region):
    return create_user("coordinator", region=region)


@pytest.fixture
def institution(keeper, region, now):
    def _create(name="Kita Regenbogen", *, kind="kita", sector="youth_welfare", visibility="public", actor=None,
                regions=None, description="Kinderschutzkonzept und Kinderschutzfachkraft"):
        created = directory.save_institution(actor or keeper, None, InstitutionInput(
            name=name, sector=sector, kind=kind, region_ids=regions or [region.id], description=description,
            visibility=visibility), now=now)
        db.session.commit()
        return created

    return _create
