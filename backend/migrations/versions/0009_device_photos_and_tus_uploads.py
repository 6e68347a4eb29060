"""device photos and tus uploads

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


import backend.core.db
from backend.core import dialect

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('device_photos',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('hazard_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('taken_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_device_photos_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_photos'))
    )
    with op.batch_alter_table('device_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_photos_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_photos_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_photos_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_photos_user_id'), ['user_id'], unique=False)

    op.create_table('uploads',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('photo_id', sa.Uuid(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('length', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('offset', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_uploads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads'))
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_uploads_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_uploads_photo_id'), ['photo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_uploads_user_id'), ['user_id'], unique=False)

    for statement in dialect.change_stamp_triggers(op.get_bind().dialect.name, 'device_photos'):
        op.execute(statement)



def downgrade() -> None:
    name = op.get_bind().dialect.name
    for statement in dialect.drop_change_stamp(name, ['device_photos'])[:1 if name == 'postgresql' else 2]:
        op.execute(statement)
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uploads_user_id'))
        batch_op.drop_index(batch_op.f('ix_uploads_photo_id'))
        batch_op.drop_index(batch_op.f('ix_uploads_expires_at'))

    op.drop_table('uploads')
    with op.batch_alter_table('device_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_photos_user_id'))
        batch_op.drop_index(batch_op.f('ix_device_photos_state'))
        batch_op.drop_index(batch_op.f('ix_device_photos_hazard_id'))
        batch_op.drop_index(batch_op.f('ix_device_photos_change_seq'))

    op.drop_table('device_photos')
