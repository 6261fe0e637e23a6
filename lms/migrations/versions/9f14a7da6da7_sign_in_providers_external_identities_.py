"""sign-in providers: external identities, directory-managed accounts and roles

Revision ID: 9f14a7da6da7
Revises: 3720cefd5328
Create Date: 2026-12-07 00:47:32
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9f14a7da6da7'
down_revision = '3720cefd5328'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('external_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_external_identity_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_identity')),
    sa.UniqueConstraint('provider', 'subject', name=op.f('uq_external_identity_provider_subject'))
    )
    with op.batch_alter_table('external_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_identity_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('directory', sa.String(length=40), nullable=True))

    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_directory', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.drop_column('from_directory')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('directory')

    with op.batch_alter_table('external_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_identity_user_id'))

    op.drop_table('external_identity')
