"""network: agenda items, attendance, minutes with remarks, decisions and tasks of the meetings

A meeting's free-text agenda becomes one agenda item per non-empty line (list markers dropped); the
downgrade writes the items' titles back as lines.

Revision ID: a43333876a7e
Revises: 9b5e92fb6596
Create Date: 2026-12-03 10:57:20.834169

"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a43333876a7e'
down_revision = '9b5e92fb6596'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('presenter', sa.String(length=200), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_agenda_item_instrument_id_instrument'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_agenda_item_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_item'))
    )
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_decision_body_id_body'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_decision_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision')),
    sa.UniqueConstraint('body_id', 'year', 'number', name=op.f('uq_decision_body_id_year_number'))
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_meeting_attendance_institution_id_institution'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_attendance_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meeting_attendance_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'user_id', name=op.f('pk_meeting_attendance'))
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_user_id'), ['user_id'], unique=False)

    op.create_table('minutes',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('review_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'review', 'approved')", name=op.f('ck_minutes_minutes_state')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_minutes_approved_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_minutes_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_minutes'))
    )
    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('open', 'done')", name=op.f('ck_task_task_state')),
    sa.CheckConstraint('(owner_id IS NULL) <> (institution_id IS NULL)', name=op.f('ck_task_task_owner')),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_task_body_id_body'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_task_institution_id_institution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_task_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_task_owner_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_owner_id'), ['owner_id'], unique=False)

    op.create_table('minutes_remark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('correction', 'amendment')", name=op.f('ck_minutes_remark_remark_kind')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_minutes_remark_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['minutes.meeting_id'], name=op.f('fk_minutes_remark_meeting_id_minutes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_remark'))
    )
    with op.batch_alter_table('minutes_remark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_remark_meeting_id'), ['meeting_id'], unique=False)

    _agenda_into_items()
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('agenda')



def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda', sa.Text(), nullable=False, server_default=''))
    _items_into_agenda()

    with op.batch_alter_table('minutes_remark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_remark_meeting_id'))

    op.drop_table('minutes_remark')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_owner_id'))
        batch_op.drop_index(batch_op.f('ix_task_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_task_institution_id'))
        batch_op.drop_index(batch_op.f('ix_task_due_on'))
        batch_op.drop_index(batch_op.f('ix_task_body_id'))

    op.drop_table('task')
    op.drop_table('minutes')
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_user_id'))

    op.drop_table('meeting_attendance')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_decision_body_id'))

    op.drop_table('decision')
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_item_meeting_id'))

    op.drop_table('agenda_item')


MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s*")


def _agenda_into_items():
    connection = op.get_bind()
    items = sa.table('agenda_item', sa.column('meeting_id'), sa.column('position'), sa.column('title'),
                     sa.column('presenter'), sa.column('notes'))
    for meeting_id, agenda in connection.execute(sa.text("SELECT id, agenda FROM meeting WHERE agenda <> ''")):
        titles = [MARKER.sub("", line).strip()[:200] for line in agenda.splitlines()]
        rows = [dict(meeting_id=meeting_id, position=position, title=title, presenter='', notes='')
                for position, title in enumerate((title for title in titles if title), start=1)]
        if rows:
            connection.execute(items.insert(), rows)


def _items_into_agenda():
    connection = op.get_bind()
    agendas: dict[int, list[str]] = {}
    for meeting_id, title in connection.execute(
            sa.text("SELECT meeting_id, title FROM agenda_item ORDER BY meeting_id, position")):
        agendas.setdefault(meeting_id, []).append(f"{len(agendas.get(meeting_id, [])) + 1}. {title}")
    for meeting_id, lines in agendas.items():
        connection.execute(sa.text("UPDATE meeting SET agenda = :agenda WHERE id = :id"),
                           {"agenda": "\n".join(lines), "id": meeting_id})
