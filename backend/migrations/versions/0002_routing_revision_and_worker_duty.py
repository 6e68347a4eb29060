"""routing revision and worker duty

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_revision")),
    )
    op.bulk_insert(
        sa.table("area_revision", sa.column("id"), sa.column("revision")),
        [{"id": 1, "revision": 0}],
    )
    op.create_table(
        "worker_duty",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("leave_from", sa.Date(), nullable=True),
        sa.Column("leave_until", sa.Date(), nullable=True),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_worker_duty_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_worker_duty")),
    )


def downgrade() -> None:
    op.drop_table("worker_duty")
    op.drop_table("area_revision")
