"""network: an agenda item's uploaded file, stored through the library's storage

Revision ID: 14d3901d1fca
Revises: a43333876a7e
Create Date: 2026-12-03 11:29:52.093215

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '14d3901d1fca'
down_revision = 'a43333876a7e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('filename', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_agenda_item_file_sha256_stored_file'), 'stored_file', ['file_sha256'], ['sha256'])


def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agenda_item_file_sha256_stored_file'), type_='foreignkey')
        batch_op.drop_column('filename')
        batch_op.drop_column('file_sha256')

