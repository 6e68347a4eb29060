"""calendar notices: the State Council's holiday schedule for a year, loaded by an operator

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_notices',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('loaded_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_notices')),
    )
    op.create_table(
        'calendar_days',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('working', sa.Boolean(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ['year'],
            ['calendar_notices.year'],
            name=op.f('fk_calendar_days_year_calendar_notices'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('year', 'day', name=op.f('pk_calendar_days')),
    )


def downgrade() -> None:
    op.drop_table('calendar_days')
    op.drop_table('calendar_notices')
