"""consultations: case content and reasons encrypted with a data key per consultation (crypto-shredding)

Revision ID: c4e5a0b1d2f3
Revises: 96aa1235cc2f
Create Date: 2026-12-03 15:40:00

Each consultation with case content or a reason gets a data key, wrapped with the installation's
master key (LMS_CASE_KEY or instance/case_key, lms/sealing.py). The plaintext columns go: the upgrade
seals what they hold, the downgrade opens it again. The context strings are frozen here as they were
when this migration was written.
"""
import json

import sqlalchemy as sa
from alembic import op

from lms import sealing

# revision identifiers, used by Alembic.
revision = 'c4e5a0b1d2f3'
down_revision = '96aa1235cc2f'
branch_labels = None
depends_on = None

FIELDS = ("age_band", "concern", "setting", "urgency", "vignette", "outcome", "result")


def _context(consultation_id: int, purpose: str) -> bytes:
    return f"lms-case:{consultation_id}:{purpose}".encode()


def upgrade():
    op.create_table(
        'case_key',
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('wrapped_by', sa.String(length=16), nullable=False),
        sa.Column('wrapped', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                                name=op.f('fk_case_key_consultation_id_consultation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('consultation_id', name=op.f('pk_case_key')),
    )
    with op.batch_alter_table('case_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_key_wrapped_by'), ['wrapped_by'], unique=False)
    with op.batch_alter_table('case_content', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_sealed', sa.LargeBinary(), nullable=True))

    connection = op.get_bind()
    contents = connection.execute(sa.text(
        f"SELECT consultation_id, {', '.join(FIELDS)} FROM case_content")).mappings().all()
    reasons = connection.execute(sa.text(
        "SELECT id, decision_reason FROM consultation WHERE decision_reason <> ''")).all()
    needing_key = {row["consultation_id"] for row in contents} | {row.id for row in reasons}
    if needing_key:
        ring = sealing.keyring()
        keys = {}
        for consultation_id in sorted(needing_key):
            keys[consultation_id] = sealing.new_key()
            wrapped_by, wrapped = ring.wrap(keys[consultation_id], context=_context(consultation_id, "key"))
            connection.execute(sa.text(
                "INSERT INTO case_key (consultation_id, wrapped_by, wrapped, created_at) "
                "VALUES (:id, :by, :wrapped, CURRENT_TIMESTAMP)"), {"id": consultation_id, "by": wrapped_by,
                                                                     "wrapped": wrapped})
        for row in contents:
            values = {field: row[field] for field in FIELDS}
            values["vignette"], values["outcome"] = values["vignette"] or "", values["outcome"] or ""
            sealed = sealing.seal(keys[row["consultation_id"]], json.dumps(values).encode(),
                                  context=_context(row["consultation_id"], "case"))
            connection.execute(sa.text("UPDATE case_content SET sealed = :sealed WHERE consultation_id = :id"),
                               {"sealed": sealed, "id": row["consultation_id"]})
        for row in reasons:
            sealed = sealing.seal(keys[row.id], row.decision_reason.encode(), context=_context(row.id, "reason"))
            connection.execute(sa.text("UPDATE consultation SET reason_sealed = :sealed WHERE id = :id"),
                               {"sealed": sealed, "id": row.id})

    with op.batch_alter_table('case_content', schema=None) as batch_op:
        batch_op.alter_column('sealed', existing_type=sa.LargeBinary(), nullable=False)
        for field in FIELDS:
            batch_op.drop_column(field)
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('decision_reason')


def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_reason', sa.String(length=500), nullable=False, server_default=''))
    with op.batch_alter_table('case_content', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_band', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('concern', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('setting', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('urgency', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('vignette', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('outcome', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('result', sa.String(length=20), nullable=True))

    connection = op.get_bind()
    key_rows = connection.execute(sa.text("SELECT consultation_id, wrapped_by, wrapped FROM case_key")).all()
    if key_rows:
        ring = sealing.keyring()
        keys = {row.consultation_id: ring.unwrap(row.wrapped_by, row.wrapped, context=_context(row.consultation_id, "key"))
                for row in key_rows}
        for row in connection.execute(sa.text("SELECT consultation_id, sealed FROM case_content")).all():
            if row.consultation_id not in keys:
                continue
            values = json.loads(sealing.unseal(keys[row.consultation_id], row.sealed,
                                               context=_context(row.consultation_id, "case")))
            connection.execute(sa.text(
                f"UPDATE case_content SET {', '.join(f'{field} = :{field}' for field in FIELDS)} "
                "WHERE consultation_id = :id"), {**values, "id": row.consultation_id})
        for row in connection.execute(sa.text(
                "SELECT id, reason_sealed FROM consultation WHERE reason_sealed IS NOT NULL")).all():
            if row.id in keys:
                reason = sealing.unseal(keys[row.id], row.reason_sealed, context=_context(row.id, "reason")).decode()
                connection.execute(sa.text("UPDATE consultation SET decision_reason = :reason WHERE id = :id"),
                                   {"reason": reason, "id": row.id})
    connection.execute(sa.text("DELETE FROM case_content WHERE consultation_id NOT IN (SELECT consultation_id FROM case_key)"))

    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('reason_sealed')
    with op.batch_alter_table('case_content', schema=None) as batch_op:
        batch_op.drop_column('sealed')
    with op.batch_alter_table('case_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_key_wrapped_by'))
    op.drop_table('case_key')
