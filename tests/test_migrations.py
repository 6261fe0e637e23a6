"""The Alembic migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import flask_migrate
from sqlalchemy import inspect

from lms.db import include_name
from lms.extensions import db


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
