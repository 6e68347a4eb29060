"""fire alert photos: photos of a fire in progress, sent after the 一键报警 (issue 23, part 1)

`fire_alert_photos`: an alert's photos by content hash (the files live in the photo store, as
hazards' photos do), who sent each and when.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fire_alert_photos",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("taken_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("uploaded_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["fire_alerts.id"],
            name=op.f("fk_fire_alert_photos_alert_id_fire_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_fire_alert_photos_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("alert_id", "sha256", name=op.f("pk_fire_alert_photos")),
    )


def downgrade() -> None:
    op.drop_table("fire_alert_photos")
