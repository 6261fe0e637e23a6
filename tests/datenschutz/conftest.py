"""The packages' factories the data-protection tests build people's data with."""
from tests.kompetenzen.conftest import framework  # noqa: F401
from tests.module.conftest import create_module, create_offering, trainer  # noqa: F401
