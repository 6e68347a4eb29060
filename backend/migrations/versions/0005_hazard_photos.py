"""hazard photos

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op

import sqlalchemy as sa


import backend.core.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hazard_photos',
    sa.Column('hazard_id', sa.Uuid(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('mime', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('taken_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('photo_lng', sa.Float(), nullable=True),
    sa.Column('photo_lat', sa.Float(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('uploaded_by', sa.Uuid(), nullable=True),
    sa.Column('uploaded_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_hazard_photos_hazard_id_hazards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_hazard_photos_uploaded_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('hazard_id', 'sha256', name=op.f('pk_hazard_photos'))
    )


def downgrade() -> None:
    op.drop_table('hazard_photos')
