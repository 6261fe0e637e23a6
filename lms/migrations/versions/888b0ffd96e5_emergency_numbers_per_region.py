"""network: emergency numbers per region, with the weekly windows in which each is the one to call

Revision ID: 888b0ffd96e5
Revises: a9d3e5f7c1b2
Create Date: 2026-12-02 20:45:35.596379

Windows lie within one Berlin day (minutes 0-1440); overlaps between numbers of one kind are checked
by the service (lms/netzwerk/services.py), not the database.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '888b0ffd96e5'
down_revision = 'a9d3e5f7c1b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('emergency_number',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('always', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_emergency_number_owner_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_emergency_number_region_id_region'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_number'))
    )
    with op.batch_alter_table('emergency_number', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_number_region_id'), ['region_id'], unique=False)

    op.create_table('emergency_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('starts', sa.Integer(), nullable=False),
    sa.Column('ends', sa.Integer(), nullable=False),
    sa.CheckConstraint('starts >= 0 AND starts < ends AND ends <= 1440', name=op.f('ck_emergency_window_window_order')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_emergency_window_weekday_range')),
    sa.ForeignKeyConstraint(['number_id'], ['emergency_number.id'], name=op.f('fk_emergency_window_number_id_emergency_number'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_window'))
    )
    with op.batch_alter_table('emergency_window', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_window_number_id'), ['number_id'], unique=False)



def downgrade():
    with op.batch_alter_table('emergency_window', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_window_number_id'))

    op.drop_table('emergency_window')
    with op.batch_alter_table('emergency_number', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_number_region_id'))

    op.drop_table('emergency_number')
