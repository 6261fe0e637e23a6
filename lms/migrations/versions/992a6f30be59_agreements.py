"""network: cooperation agreements with their parties, versions and files

Revision ID: 992a6f30be59
Revises: f2758773ebd0
Create Date: 2026-12-03 08:09:27.464275

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '992a6f30be59'
down_revision = 'f2758773ebd0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('review_months', sa.Integer(), nullable=True),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('expiry_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'consultation', 'signed', 'terminated')", name=op.f('ck_agreement_stored_state')),
    sa.CheckConstraint('review_months IS NULL OR review_months BETWEEN 1 AND 120', name=op.f('ck_agreement_review_range')),
    sa.CheckConstraint('valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to', name=op.f('ck_agreement_validity_order')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_agreement_instrument_id_instrument'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_agreement_region_id_region'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsible_id'], ['user.id'], name=op.f('fk_agreement_responsible_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement'))
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_valid_to'), ['valid_to'], unique=False)

    op.create_table('agreement_party',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_party_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_agreement_party_institution_id_institution'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agreement_id', 'institution_id', name=op.f('pk_agreement_party'))
    )
    with op.batch_alter_table('agreement_party', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_party_institution_id'), ['institution_id'], unique=False)

    op.create_table('agreement_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_version_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_agreement_version_author_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_version')),
    sa.UniqueConstraint('agreement_id', 'number', name=op.f('uq_agreement_version_agreement_id_number'))
    )
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_version_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('agreement_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['file_sha256'], ['stored_file.sha256'], name=op.f('fk_agreement_file_file_sha256_stored_file')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_agreement_file_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['agreement_version.id'], name=op.f('fk_agreement_file_version_id_agreement_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_file'))
    )
    with op.batch_alter_table('agreement_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_file_version_id'), ['version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('agreement_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_file_version_id'))

    op.drop_table('agreement_file')
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_version_agreement_id'))

    op.drop_table('agreement_version')
    with op.batch_alter_table('agreement_party', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_party_institution_id'))

    op.drop_table('agreement_party')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_valid_to'))
        batch_op.drop_index(batch_op.f('ix_agreement_state'))
        batch_op.drop_index(batch_op.f('ix_agreement_region_id'))

    op.drop_table('agreement')
