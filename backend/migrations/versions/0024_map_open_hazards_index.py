"""the console's map: open hazards by area path

`ix_hazards_open_area_path` (area_path, level_due_at) on open hazards only: the map counts open
and overdue hazards per area path and draws open ones, and a county keeps years of closed
hazards beside a few thousand open ones; this index holds only the open, so the count reads
them alone (docs/decisions/0031-map-layers.md).

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_hazards_open_area_path",
        "hazards",
        ["area_path", "level_due_at"],
        unique=False,
        postgresql_ops={"area_path": "varchar_pattern_ops"},
        postgresql_where=sa.text("is_open IS true"),
        sqlite_where=sa.text("is_open IS 1"),
    )


def downgrade() -> None:
    op.drop_index("ix_hazards_open_area_path", table_name="hazards")
