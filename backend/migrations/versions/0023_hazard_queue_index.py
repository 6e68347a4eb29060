"""hazard queue index: a station's queue by level, state and due time, with the columns its
filters and its total read

The console's queue (`GET /api/v1/hazards?queue=true&state=&overdue=true&area=`) asks for one
level, one state and the hazards due before now, in the order they fall due, with the total
in `X-Total-Count`. This index gives that order (a page stops at its last row) and holds the
area path, the open flag and the reporter that the scope and filters test, so the total is
counted from the index alone on SQLite (and, once vacuumed, on PostgreSQL) instead of reading
each row: benchmarks/hazard_queue.py, docs/performance.md.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

COLUMNS = ["level", "state", "level_due_at", "area_path", "is_open", "reporter_id"]


def upgrade() -> None:
    # A plain index operation, never a batch: a batch may rebuild the table on SQLite, losing
    # its SpatiaLite geometry registration and change-stamp triggers.
    op.create_index("ix_hazards_queue", "hazards", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_hazards_queue", table_name="hazards")
