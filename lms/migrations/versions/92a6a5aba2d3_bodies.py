"""network: bodies (Gremien) per region and their seats, institutions with delegate and deputy, or people

Revision ID: 92a6a5aba2d3
Revises: d997ee1c4ba1
Create Date: 2026-12-03 08:52:59.357491

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '92a6a5aba2d3'
down_revision = 'd997ee1c4ba1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('body',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chair_id'], ['user.id'], name=op.f('fk_body_chair_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_body_region_id_region'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body'))
    )
    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_body_region_id'), ['region_id'], unique=False)

    op.create_table('body_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('delegate_id', sa.Integer(), nullable=True),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(institution_id IS NULL) <> (person_id IS NULL)', name=op.f('ck_body_member_institution_or_person')),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_body_member_body_id_body'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delegate_id'], ['user.id'], name=op.f('fk_body_member_delegate_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deputy_id'], ['user.id'], name=op.f('fk_body_member_deputy_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_body_member_institution_id_institution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['user.id'], name=op.f('fk_body_member_person_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body_member')),
    sa.UniqueConstraint('body_id', 'institution_id', name=op.f('uq_body_member_body_id_institution_id')),
    sa.UniqueConstraint('body_id', 'person_id', name=op.f('uq_body_member_body_id_person_id'))
    )
    with op.batch_alter_table('body_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_body_member_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_body_member_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_body_member_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('body_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_body_member_person_id'))
        batch_op.drop_index(batch_op.f('ix_body_member_institution_id'))
        batch_op.drop_index(batch_op.f('ix_body_member_body_id'))

    op.drop_table('body_member')
    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_body_region_id'))

    op.drop_table('body')
