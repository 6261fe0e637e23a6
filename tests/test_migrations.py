"""The Alembic migrations build exactly the schema the models describe."""
import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from lms.auth.models import Region, RegionKind
from lms.db import include_name
from lms.extensions import db
from tests.conftest import empty_tables, seed_once
from tests.module.conftest import create_module, create_offering, trainer  # noqa: F401 - shared fixtures


def test_migrations_match_the_models(app):
    # The session fixture built this database with `flask db upgrade`, not create_all.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_database_is_at_the_latest_revision(app):
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head


def test_migrations_downgrade_to_nothing_and_back(app):
    db.session.remove()
    flask_migrate.downgrade(revision="base")
    assert inspect(db.engine).get_table_names() == ["alembic_version"]
    flask_migrate.upgrade()
    assert {"user", "search_document_fts"} <= set(inspect(db.engine).get_table_names())



def test_rows_copied_back_after_a_rebuilt_schema_leave_room_for_new_ones(app):
    """A rebuilt schema starts its id sequences again; seed_once's copy must move them past its rows,
    or the next test's first insert collides with a copied row (it did on PostgreSQL in CI)."""
    def seed():
        db.session.add_all([Region(name="Dresden", kind=RegionKind.CITY),
                            Region(name="Görlitz", kind=RegionKind.DISTRICT)])

    seed_once("two regions", seed)
    db.session.remove()
    empty_tables()
    flask_migrate.downgrade(revision="base")
    flask_migrate.upgrade()
    seed_once("two regions", seed)
    copied = db.session.scalars(select(Region.id)).all()
    bautzen = Region(name="Bautzen", kind=RegionKind.DISTRICT)
    db.session.add(bautzen)
    db.session.commit()
    assert len(copied) == 2 and bautzen.id > max(copied)

def test_an_installation_with_dates_keeps_its_calendar_uids_across_the_upgrade(app, create_offering):
    """Before the UID domain was stored, UIDs ended in the base URL's host: the upgrade keeps it."""
    from sqlalchemy import select

    from lms.installation import InstallationValue, uid_domain

    create_offering()
    db.session.remove()
    flask_migrate.downgrade(revision="8d2a4c6e9b13")
    flask_migrate.upgrade()
    assert db.session.scalars(select(InstallationValue.value)).all() == ["lms.test"]  # TestConfig's BASE_URL host
    assert uid_domain() == "lms.test"


def test_a_new_installation_gets_a_generated_uid_domain(app):
    from lms.installation import uid_domain

    db.session.remove()
    flask_migrate.downgrade(revision="8d2a4c6e9b13")
    flask_migrate.upgrade()  # no dates, no consultations: nothing to keep
    domain = uid_domain()
    assert domain.startswith("lms-") and domain.endswith(".invalid") and len(domain) == len("lms-") + 12 + 8
    db.session.commit()
    from flask import g

    g.pop("lms_uid_domain")
    assert uid_domain() == domain  # stored, not made anew


def test_parallel_first_callers_agree_on_one_uid_domain(app):
    """Several processes writing their first event at once: one domain is stored, all of them use it."""
    from sqlalchemy import select

    from lms.installation import InstallationValue, uid_domain
    from tests.conftest import in_parallel

    seen = []
    assert in_parallel(app, [lambda: seen.append(uid_domain()) for _ in range(6)]) == []
    stored = db.session.scalars(select(InstallationValue.value)).all()
    assert len(stored) == 1 and seen == stored * 6


def test_existing_modules_are_found_by_the_catalogue_search_after_the_upgrade(app, create_module, create_offering):
    """The search terms are stored per module: the upgrade that adds them fills them for old modules.
    The downgrade rebuilds the module table on SQLite; the offerings that point to it stay."""
    from sqlalchemy import text

    from lms.module import queries

    create_offering(create_module(title="Gefährdungseinschätzung nach § 8a", summary="Helferkonferenzen vorbereiten",
                                  code="M04"))
    db.session.remove()
    flask_migrate.downgrade(revision="e6b1f3a8c2d5")
    assert db.session.execute(text("SELECT count(*) FROM offering_date")).scalar() == 1
    db.session.remove()
    flask_migrate.upgrade()
    assert db.session.execute(text("SELECT search_title FROM module")).scalar() == " m04 gefahrdungseinschatz nach 8a"
    for words in ("Gefaehrdung", "helferkonferenz"):
        found = db.session.scalars(queries.catalogue_query(queries.CatalogueFilter(q=words), now=None)).all()
        assert [module.code for module in found] == ["M04"], words
