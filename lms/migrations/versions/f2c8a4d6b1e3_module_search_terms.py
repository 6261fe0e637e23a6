"""module catalogue search: German terms of code, title and text, stored with each module

Revision ID: f2c8a4d6b1e3
Revises: e6b1f3a8c2d5
Create Date: 2026-12-02 04:40:00.000000
"""
import sqlalchemy as sa
from alembic import op

from lms.textsearch import term_line

# revision identifiers, used by Alembic.
revision = 'f2c8a4d6b1e3'
down_revision = 'e6b1f3a8c2d5'
branch_labels = None
depends_on = None

module = sa.table('module', sa.column('id', sa.Integer), sa.column('code', sa.String), sa.column('title', sa.String),
                  sa.column('summary', sa.String), sa.column('description', sa.Text),
                  sa.column('learning_goals', sa.Text), sa.column('search_title', sa.Text),
                  sa.column('search_body', sa.Text))


def upgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_title', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('search_body', sa.Text(), nullable=False, server_default=''))
    # The same analysis as lms.module.services.search_lines, for the modules that exist already.
    connection = op.get_bind()
    rows = connection.execute(sa.select(module.c.id, module.c.code, module.c.title, module.c.summary,
                                        module.c.description, module.c.learning_goals)).all()
    for row in rows:
        connection.execute(module.update().where(module.c.id == row.id).values(
            search_title=term_line(f"{row.code or ''} {row.title}"),
            search_body=term_line(" ".join((row.summary or "", row.description or "", row.learning_goals or "")))))


def downgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.drop_column('search_body')
        batch_op.drop_column('search_title')
