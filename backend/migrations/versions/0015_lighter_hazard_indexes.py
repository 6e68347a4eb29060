"""lighter hazard indexes: no index on lat or category; credit deadlines indexed only where set

Every new hazard updates every index of the table, and a sync push inserts a hundred at a
time. `lat` was indexed for bounding-box filters that the spatial index serves; `category`
has a dozen values, too few to pick rows by, and with stale statistics it drew the planner
away from the spatial index (decision 0011); `credit_overdue_at` is NULL for all but the
hazards waiting on a deadline, the only rows the credit job reads.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

WAITING = sa.text("credit_overdue_at IS NOT NULL")


def upgrade() -> None:
    # Plain index operations, never a batch: a batch may rebuild the table on SQLite, losing
    # its SpatiaLite geometry registration and change-stamp triggers.
    op.drop_index('ix_hazards_lat', table_name='hazards')
    op.drop_index('ix_hazards_category', table_name='hazards')
    op.drop_index('ix_hazards_credit_overdue_at', table_name='hazards')
    op.create_index(
        'ix_hazards_credit_overdue_at',
        'hazards',
        ['credit_overdue_at'],
        postgresql_where=WAITING,
        sqlite_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index('ix_hazards_credit_overdue_at', table_name='hazards')
    op.create_index('ix_hazards_credit_overdue_at', 'hazards', ['credit_overdue_at'])
    op.create_index('ix_hazards_category', 'hazards', ['category'])
    op.create_index('ix_hazards_lat', 'hazards', ['lat'])
