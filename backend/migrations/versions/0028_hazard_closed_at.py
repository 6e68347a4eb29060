"""hazards: when each closed

`hazards.closed_at`: set by the lifecycle when a hazard reaches a closed state, cleared if it
opens again. The bulletin's and the assessment's "closed in the month" read it; before, they
read `updated_at`, which a photo arriving after the closing also moves. Hazards closed before
this revision take their `updated_at` (the best the table knows; the audit log has the exact
moment for anyone who needs it). The backfill stamps those rows anew, so phones pull the closed
hazards of their grids once more at their next sync.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

CLOSED = sa.text("closed_at IS NOT NULL")


def upgrade() -> None:
    # Plain operations, never a batch: a batch may rebuild the table on SQLite, losing its
    # SpatiaLite geometry registration and change-stamp triggers.
    op.add_column(
        "hazards",
        sa.Column("closed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.execute("UPDATE hazards SET closed_at = updated_at WHERE NOT is_open")
    op.create_index(
        "ix_hazards_closed_at",
        "hazards",
        ["closed_at"],
        postgresql_where=CLOSED,
        sqlite_where=CLOSED,
    )


def downgrade() -> None:
    op.drop_index("ix_hazards_closed_at", table_name="hazards")
    op.drop_column("hazards", "closed_at")
