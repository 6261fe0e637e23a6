"""Serialising the writers of one row until their transactions end, on both databases.

A rule that reads before it writes ("no other number overlaps", "a seat is free") holds under
parallel requests only if they take turns: each locks the row the rule is about first, and the
reads after the lock see every change committed before it was granted. PostgreSQL takes the row lock
(statements after it see rows committed meanwhile, also under READ COMMITTED). SQLite has no row
locks: a write that changes nothing takes the database's write lock instead.
"""
from lms.extensions import db


def lock_row(model, id_: int) -> None:
    key = model.__table__.primary_key.columns.values()[0]
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(db.update(model).where(key == id_).values({key.name: key})
                           .execution_options(synchronize_session=False))
    else:
        db.session.execute(db.select(key).where(key == id_).with_for_update())
