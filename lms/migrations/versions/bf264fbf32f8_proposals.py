"""network: changes an institution's own people propose to its keepers

Revision ID: bf264fbf32f8
Revises: 992a6f30be59
Create Date: 2026-12-03 08:23:41.895111

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'bf264fbf32f8'
down_revision = '992a6f30be59'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('institution_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('opening_hours', sa.String(length=300), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('open', 'accepted', 'declined')", name=op.f('ck_institution_proposal_proposal_state')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_institution_proposal_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_institution_proposal_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_institution_proposal_institution_id_institution'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution_proposal'))
    )
    with op.batch_alter_table('institution_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_proposal_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_proposal_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('institution_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_proposal_state'))
        batch_op.drop_index(batch_op.f('ix_institution_proposal_institution_id'))

    op.drop_table('institution_proposal')
