"""notifications' text fallback: when an unread notification is to be texted

`sms_due_at`: set when the notification policy asks for a text after some minutes unread;
cleared once texted, or once the worker finds it read. Indexed: the worker reads only due rows.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN, never a batch (a batch may rebuild the table on SQLite).
    op.add_column(
        "notifications",
        sa.Column("sms_due_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(
        op.f("ix_notifications_sms_due_at"), "notifications", ["sms_due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_notifications_sms_due_at"), table_name="notifications")
    op.drop_column("notifications", "sms_due_at")
