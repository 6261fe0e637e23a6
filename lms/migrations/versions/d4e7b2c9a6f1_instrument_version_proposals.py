"""instrument versions: proposed new versions of published instruments wait for review

Revision ID: d4e7b2c9a6f1
Revises: c5f3a8e1d2b4
Create Date: 2026-12-03 10:00:00.000000

A change to a published instrument is stored as a version with `proposal_state` set ("pending",
"returned") and the rest of its content in `proposed_fields`; it becomes current when a second
person approves it. One open proposal per instrument (a partial unique index). Reviews name the
version they decided. Existing versions are all part of their instruments' history (NULL).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4e7b2c9a6f1'
down_revision = 'c5f3a8e1d2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('instrument_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_state', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('proposed_fields', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_index('uq_instrument_version_open_proposal', ['instrument_id'], unique=True,
                              sqlite_where=sa.text('proposal_state IS NOT NULL'),
                              postgresql_where=sa.text('proposal_state IS NOT NULL'))

    with op.batch_alter_table('instrument_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_instrument_review_version_id'), ['version_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_instrument_review_version_id_instrument_version'),
                                    'instrument_version', ['version_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('instrument_review', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_instrument_review_version_id_instrument_version'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_instrument_review_version_id'))
        batch_op.drop_column('version_id')

    # Proposals were never current: the history without them is the history before this revision.
    op.execute("DELETE FROM instrument_version WHERE proposal_state IS NOT NULL")
    with op.batch_alter_table('instrument_version', schema=None) as batch_op:
        batch_op.drop_index('uq_instrument_version_open_proposal', sqlite_where=sa.text('proposal_state IS NOT NULL'),
                            postgresql_where=sa.text('proposal_state IS NOT NULL'))
        batch_op.drop_column('revision')
        batch_op.drop_column('proposed_fields')
        batch_op.drop_column('proposal_state')
