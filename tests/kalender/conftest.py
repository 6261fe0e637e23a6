from tests.module.conftest import create_module, create_offering, trainer  # noqa: F401 - shared fixtures
