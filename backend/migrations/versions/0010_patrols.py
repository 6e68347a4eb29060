"""patrols: checklists, tasks and their releases, campaigns, visits, answers, track points

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""
from alembic import op
import geoalchemy2
import sqlalchemy as sa


import backend.core.db
from backend.core import dialect

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checklists',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('premises_type', sa.String(length=32), nullable=True),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklists'))
    )
    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklists_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklists_code'), ['code'], unique=False)
        batch_op.create_index('uq_checklists_code_version', ['code', 'version'], unique=True)

    op.create_table('patrol_campaigns',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('area_path', sa.String(length=255), nullable=False),
    sa.Column('premises_types', sa.JSON(), nullable=False),
    sa.Column('starts_on', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checklist_id', sa.Uuid(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_patrol_campaigns_area_id_areas')),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], name=op.f('fk_patrol_campaigns_checklist_id_checklists')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_patrol_campaigns_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_campaigns'))
    )
    op.create_table('patrol_track_points',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('visit_id', sa.Uuid(), nullable=True),
    sa.Column('recorded_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patrol_track_points_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_track_points'))
    )
    with op.batch_alter_table('patrol_track_points', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_track_points_user_time', ['user_id', 'recorded_at'], unique=False)

    op.create_table('patrol_tasks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source_key', sa.String(length=128), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=True),
    sa.Column('campaign_id', sa.Uuid(), nullable=True),
    sa.Column('premises_id', sa.Uuid(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=True),
    sa.Column('area_path', sa.String(length=255), nullable=False),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('checklist_id', sa.Uuid(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('due_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('done_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_visit_id', sa.Uuid(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('escalate_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_patrol_tasks_area_id_areas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_patrol_tasks_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['patrol_campaigns.id'], name=op.f('fk_patrol_tasks_campaign_id_patrol_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], name=op.f('fk_patrol_tasks_checklist_id_checklists')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_patrol_tasks_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_patrol_tasks_premises_id_premises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_tasks')),
    sa.UniqueConstraint('source_key', name=op.f('uq_patrol_tasks_source_key'))
    )
    with op.batch_alter_table('patrol_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_tasks_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_tasks_area_path'), ['area_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_tasks_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_tasks_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_tasks_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_tasks_due_at'), ['due_at'], unique=False)
        batch_op.create_index('ix_patrol_tasks_open_escalate_at', ['state', 'escalate_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_tasks_premises_id'), ['premises_id'], unique=False)

    op.create_table('patrol_task_releases',
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('released_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['patrol_tasks.id'], name=op.f('fk_patrol_task_releases_task_id_patrol_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patrol_task_releases_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'user_id', name=op.f('pk_patrol_task_releases'))
    )
    with op.batch_alter_table('patrol_task_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_task_releases_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index('ix_patrol_task_releases_user_seq', ['user_id', 'change_seq'], unique=False)

    op.create_table('patrol_visits',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=True),
    sa.Column('premises_id', sa.Uuid(), nullable=True),
    sa.Column('checklist_id', sa.Uuid(), nullable=True),
    sa.Column('area_path', sa.String(length=255), nullable=False),
    sa.Column('checked_in_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('check_in_lng', sa.Float(), nullable=True),
    sa.Column('check_in_lat', sa.Float(), nullable=True),
    sa.Column('raw_lng', sa.Float(), nullable=True),
    sa.Column('raw_lat', sa.Float(), nullable=True),
    sa.Column('raw_crs', sa.String(length=8), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('allowed_m', sa.Float(), nullable=True),
    sa.Column('check_in_valid', sa.Boolean(), nullable=False),
    sa.Column('check_in_flag', sa.String(length=32), nullable=True),
    sa.Column('checked_out_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], name=op.f('fk_patrol_visits_checklist_id_checklists')),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_patrol_visits_premises_id_premises'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['task_id'], ['patrol_tasks.id'], name=op.f('fk_patrol_visits_task_id_patrol_tasks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patrol_visits_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_visits'))
    )
    with op.batch_alter_table('patrol_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_visits_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_visits_premises_id'), ['premises_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_visits_task_id'), ['task_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_visits_user_id'), ['user_id'], unique=False)

    op.create_table('patrol_answers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('visit_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('hazard_id', sa.Uuid(), nullable=True),
    sa.Column('answered_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_patrol_answers_hazard_id_hazards'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patrol_answers_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['patrol_visits.id'], name=op.f('fk_patrol_answers_visit_id_patrol_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_answers'))
    )
    with op.batch_alter_table('patrol_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_answers_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_answers_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_answers_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_answers_visit_id'), ['visit_id'], unique=False)


    for table in ['checklists', 'patrol_tasks', 'patrol_task_releases', 'patrol_visits', 'patrol_answers']:
        for statement in dialect.change_stamp_triggers(op.get_bind().dialect.name, table):
            op.execute(statement)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    # The shared stamp function stays: earlier revisions' tables still use it.
    stamped = ['checklists', 'patrol_tasks', 'patrol_task_releases', 'patrol_visits', 'patrol_answers']
    for statement in dialect.drop_change_stamp(name, stamped)[: len(stamped) if name == 'postgresql' else None]:
        op.execute(statement)
    with op.batch_alter_table('patrol_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_answers_visit_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_answers_user_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_answers_hazard_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_answers_change_seq'))

    op.drop_table('patrol_answers')
    with op.batch_alter_table('patrol_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_visits_user_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_visits_task_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_visits_premises_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_visits_change_seq'))

    op.drop_table('patrol_visits')
    with op.batch_alter_table('patrol_task_releases', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_task_releases_user_seq')
        batch_op.drop_index(batch_op.f('ix_patrol_task_releases_change_seq'))

    op.drop_table('patrol_task_releases')
    with op.batch_alter_table('patrol_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_tasks_premises_id'))
        batch_op.drop_index('ix_patrol_tasks_open_escalate_at')
        batch_op.drop_index(batch_op.f('ix_patrol_tasks_due_at'))
        batch_op.drop_index(batch_op.f('ix_patrol_tasks_change_seq'))
        batch_op.drop_index(batch_op.f('ix_patrol_tasks_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_tasks_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_tasks_area_path'))
        batch_op.drop_index(batch_op.f('ix_patrol_tasks_area_id'))

    op.drop_table('patrol_tasks')
    with op.batch_alter_table('patrol_track_points', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_track_points_user_time')

    op.drop_table('patrol_track_points')
    op.drop_table('patrol_campaigns')
    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.drop_index('uq_checklists_code_version')
        batch_op.drop_index(batch_op.f('ix_checklists_code'))
        batch_op.drop_index(batch_op.f('ix_checklists_change_seq'))

    op.drop_table('checklists')
