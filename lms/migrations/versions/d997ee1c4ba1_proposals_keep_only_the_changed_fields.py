"""network: a proposal keeps only the fields it changes (the others are NULL)

Revision ID: d997ee1c4ba1
Revises: bf264fbf32f8
Create Date: 2026-12-03 08:47:59.639424

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd997ee1c4ba1'
down_revision = 'bf264fbf32f8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('institution_proposal', schema=None) as batch_op:
        batch_op.alter_column('name',
               existing_type=sa.VARCHAR(length=200),
               nullable=True)
        batch_op.alter_column('address',
               existing_type=sa.VARCHAR(length=300),
               nullable=True)
        batch_op.alter_column('opening_hours',
               existing_type=sa.VARCHAR(length=300),
               nullable=True)
        batch_op.alter_column('website',
               existing_type=sa.VARCHAR(length=300),
               nullable=True)
        batch_op.alter_column('description',
               existing_type=sa.TEXT(),
               nullable=True)


def downgrade():
    # The older schema held every field; an unchanged one comes back as the institution's value.
    for column in ("name", "address", "opening_hours", "website", "description"):
        op.execute(f"UPDATE institution_proposal SET {column} = (SELECT institution.{column} FROM institution "
                   f"WHERE institution.id = institution_proposal.institution_id) WHERE {column} IS NULL")
    with op.batch_alter_table('institution_proposal', schema=None) as batch_op:
        batch_op.alter_column('description',
               existing_type=sa.TEXT(),
               nullable=False)
        batch_op.alter_column('website',
               existing_type=sa.VARCHAR(length=300),
               nullable=False)
        batch_op.alter_column('opening_hours',
               existing_type=sa.VARCHAR(length=300),
               nullable=False)
        batch_op.alter_column('address',
               existing_type=sa.VARCHAR(length=300),
               nullable=False)
        batch_op.alter_column('name',
               existing_type=sa.VARCHAR(length=200),
               nullable=False)

