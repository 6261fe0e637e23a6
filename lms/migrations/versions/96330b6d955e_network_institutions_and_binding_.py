"""network: institutions with the regions they serve and their people, and their binding contacts

Revision ID: 96330b6d955e
Revises: 888b0ffd96e5
Create Date: 2026-12-02 20:56:23.814745

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '96330b6d955e'
down_revision = '888b0ffd96e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('institution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('opening_hours', sa.String(length=300), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=20), nullable=False),
    sa.Column('search_title', sa.Text(), nullable=False),
    sa.Column('search_body', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_institution_owner_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution'))
    )
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_sector'), ['sector'], unique=False)

    op.create_table('binding_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=160), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('deputy', sa.String(length=160), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('phone_personal', sa.Boolean(), nullable=False),
    sa.Column('phone_visibility', sa.String(length=20), nullable=False),
    sa.Column('mailbox', sa.String(length=254), nullable=False),
    sa.Column('mailbox_visibility', sa.String(length=20), nullable=False),
    sa.Column('reachability', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("NOT (phone_personal AND phone_visibility = 'public')", name=op.f('ck_binding_contact_personal_not_public')),
    sa.CheckConstraint("phone <> '' OR mailbox <> ''", name=op.f('ck_binding_contact_reachable')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_binding_contact_institution_id_institution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_binding_contact_owner_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_binding_contact'))
    )
    with op.batch_alter_table('binding_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_binding_contact_institution_id'), ['institution_id'], unique=False)

    op.create_table('institution_member',
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_institution_member_institution_id_institution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_institution_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('institution_id', 'user_id', name=op.f('pk_institution_member'))
    )
    with op.batch_alter_table('institution_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_member_user_id'), ['user_id'], unique=False)

    op.create_table('institution_region',
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_institution_region_institution_id_institution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_institution_region_region_id_region'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('institution_id', 'region_id', name=op.f('pk_institution_region'))
    )
    with op.batch_alter_table('institution_region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_region_region_id'), ['region_id'], unique=False)



def downgrade():
    with op.batch_alter_table('institution_region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_region_region_id'))

    op.drop_table('institution_region')
    with op.batch_alter_table('institution_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_member_user_id'))

    op.drop_table('institution_member')
    with op.batch_alter_table('binding_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_binding_contact_institution_id'))

    op.drop_table('binding_contact')
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_sector'))
        batch_op.drop_index(batch_op.f('ix_institution_kind'))

    op.drop_table('institution')
