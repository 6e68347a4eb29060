"""complaints, hotline callbacks and rewards

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

import backend.core.db
from backend.core import dialect

STAMPED = ['complaints', 'complaint_releases', 'device_complaint_actions']

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('device_complaint_actions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('device_created_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_device_complaint_actions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_complaint_actions'))
    )
    with op.batch_alter_table('device_complaint_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_complaint_actions_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_complaint_actions_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_complaint_actions_user_id'), ['user_id'], unique=False)

    op.create_table('hotline_partners',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('callback_url', sa.String(length=500), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('sealed_secret', sa.String(length=512), nullable=False),
    sa.Column('updated_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_hotline_partners_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_hotline_partners'))
    )
    op.create_table('open311_keys',
    sa.Column('key_digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_open311_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key_digest', name=op.f('pk_open311_keys'))
    )
    with op.batch_alter_table('open311_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_keys_user_id'), ['user_id'], unique=False)

    op.create_table('reward_exclusions',
    sa.Column('phone_digest', sa.String(length=64), nullable=False),
    sa.Column('masked_phone', sa.String(length=32), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('added_by', sa.Uuid(), nullable=True),
    sa.Column('added_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['users.id'], name=op.f('fk_reward_exclusions_added_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('phone_digest', name=op.f('pk_reward_exclusions'))
    )
    op.create_geospatial_table('complaints',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('intake_digest', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('received_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('hotline_deadline', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('raw_lng', sa.Float(), nullable=True),
    sa.Column('raw_lat', sa.Float(), nullable=True),
    sa.Column('raw_crs', sa.String(length=8), nullable=True),
    sa.Column('area_id', sa.Uuid(), nullable=True),
    sa.Column('area_path', sa.String(length=255), nullable=False),
    sa.Column('route_status', sa.String(length=24), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('dispatched_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sign_due_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verify_due_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reply_due_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signed_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verified_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replied_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finding', sa.String(length=24), nullable=True),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('hazard_id', sa.Uuid(), nullable=True),
    sa.Column('stage', sa.String(length=8), nullable=True),
    sa.Column('reminded', sa.Boolean(), nullable=False),
    sa.Column('escalation', sa.Integer(), nullable=False),
    sa.Column('alarm_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_complaints_area_id_areas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_complaints_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_complaints_hazard_id_hazards'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['users.id'], name=op.f('fk_complaints_partner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('channel', 'external_id', name='uq_complaints_channel_external_id')
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_complaints_location', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index('ix_complaints_alarm_at', ['alarm_at'], unique=False)
        batch_op.create_index('ix_complaints_area_path', ['area_path'], unique=False, postgresql_ops={'area_path': 'varchar_pattern_ops'})
        batch_op.create_index(batch_op.f('ix_complaints_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index('ix_complaints_received_at', ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_state'), ['state'], unique=False)

    op.create_table('complaint_callers',
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('sealed_name', sa.Text(), nullable=True),
    sa.Column('sealed_phone', sa.Text(), nullable=True),
    sa.Column('masked_phone', sa.String(length=32), nullable=True),
    sa.Column('phone_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_callers_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_complaint_callers'))
    )
    with op.batch_alter_table('complaint_callers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_callers_phone_digest'), ['phone_digest'], unique=False)

    op.create_table('complaint_extensions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('stage', sa.String(length=8), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.Uuid(), nullable=True),
    sa.Column('requested_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decided_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_extensions_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_complaint_extensions_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_complaint_extensions_requested_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_extensions'))
    )
    with op.batch_alter_table('complaint_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_extensions_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('complaint_photos',
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('taken_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('photo_lng', sa.Float(), nullable=True),
    sa.Column('photo_lat', sa.Float(), nullable=True),
    sa.Column('uploaded_by', sa.Uuid(), nullable=True),
    sa.Column('uploaded_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_photos_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_complaint_photos_uploaded_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('complaint_id', 'sha256', name=op.f('pk_complaint_photos'))
    )
    op.create_table('complaint_releases',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('released_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_releases_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_complaint_releases_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_releases'))
    )
    with op.batch_alter_table('complaint_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_releases_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index('ix_complaint_releases_user_seq', ['user_id', 'change_seq'], unique=False)

    op.create_table('complaint_rewards',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('hazard_id', sa.Uuid(), nullable=False),
    sa.Column('area_path', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('amount_yuan', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decided_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('payment_reference', sa.String(length=100), nullable=True),
    sa.Column('paid_by', sa.Uuid(), nullable=True),
    sa.Column('paid_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_rewards_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_complaint_rewards_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_complaint_rewards_hazard_id_hazards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paid_by'], ['users.id'], name=op.f('fk_complaint_rewards_paid_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_rewards')),
    sa.UniqueConstraint('complaint_id', name=op.f('uq_complaint_rewards_complaint_id')),
    sa.UniqueConstraint('hazard_id', name=op.f('uq_complaint_rewards_hazard_id'))
    )
    with op.batch_alter_table('complaint_rewards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_rewards_state'), ['state'], unique=False)

    op.create_table('hotline_callbacks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('window_started_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_hotline_callbacks_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['users.id'], name=op.f('fk_hotline_callbacks_partner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_callbacks')),
    sa.UniqueConstraint('complaint_id', 'seq', name='uq_hotline_callbacks_complaint_seq')
    )
    with op.batch_alter_table('hotline_callbacks', schema=None) as batch_op:
        batch_op.create_index('ix_hotline_callbacks_status_next', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('device_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_id', sa.Uuid(), nullable=True))
        batch_op.alter_column('hazard_id',
               existing_type=sa.Uuid(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_device_photos_complaint_id'), ['complaint_id'], unique=False)

    name = op.get_bind().dialect.name
    if name != 'postgresql':  # SQLite's batch mode rebuilt the table, without its triggers
        for statement in dialect.change_stamp_triggers(name, 'device_photos'):
            op.execute(statement)
    for table in STAMPED:
        for statement in dialect.change_stamp_triggers(name, table):
            op.execute(statement)



def downgrade() -> None:
    name = op.get_bind().dialect.name
    for statement in dialect.drop_change_stamp(name, STAMPED)[: len(STAMPED) if name == 'postgresql' else None]:
        op.execute(statement)
    with op.batch_alter_table('device_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_photos_complaint_id'))
        batch_op.alter_column('hazard_id',
               existing_type=sa.Uuid(),
               nullable=False)
        batch_op.drop_column('complaint_id')
    if name != 'postgresql':
        for statement in dialect.change_stamp_triggers(name, 'device_photos'):
            op.execute(statement)

    with op.batch_alter_table('hotline_callbacks', schema=None) as batch_op:
        batch_op.drop_index('ix_hotline_callbacks_status_next')

    op.drop_table('hotline_callbacks')
    with op.batch_alter_table('complaint_rewards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_rewards_state'))

    op.drop_table('complaint_rewards')
    with op.batch_alter_table('complaint_releases', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_releases_user_seq')
        batch_op.drop_index(batch_op.f('ix_complaint_releases_complaint_id'))

    op.drop_table('complaint_releases')
    op.drop_table('complaint_photos')
    with op.batch_alter_table('complaint_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_extensions_complaint_id'))

    op.drop_table('complaint_extensions')
    with op.batch_alter_table('complaint_callers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_callers_phone_digest'))

    op.drop_table('complaint_callers')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_state'))
        batch_op.drop_index('ix_complaints_received_at')
        batch_op.drop_index(batch_op.f('ix_complaints_hazard_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_change_seq'))
        batch_op.drop_index(batch_op.f('ix_complaints_assignee_id'))
        batch_op.drop_index('ix_complaints_area_path', postgresql_ops={'area_path': 'varchar_pattern_ops'})
        batch_op.drop_index('ix_complaints_alarm_at')
        batch_op.drop_geospatial_index('idx_complaints_location', postgresql_using='gist', column_name='location')

    op.drop_geospatial_table('complaints')
    op.drop_table('reward_exclusions')
    with op.batch_alter_table('open311_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_keys_user_id'))

    op.drop_table('open311_keys')
    op.drop_table('hotline_partners')
    with op.batch_alter_table('device_complaint_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_complaint_actions_user_id'))
        batch_op.drop_index(batch_op.f('ix_device_complaint_actions_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_device_complaint_actions_change_seq'))

    op.drop_table('device_complaint_actions')
