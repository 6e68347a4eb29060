"""the notifications inbox: every message addressed to a person is a row they can read

`notifications`: one row per person a message is addressed to (kind, title, body, what it is
about, read_at), pulled by their phones (change-stamped). `outbox.notification_id`: the inbox
row a push carries.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db
from backend.core import dialect

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "change_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_user_created", "notifications", ["user_id", "created_at"])
    op.create_index("ix_notifications_user_seq", "notifications", ["user_id", "change_seq"])
    op.create_index("ix_notifications_subject", "notifications", ["subject_type", "subject_id"])
    for statement in dialect.change_stamp_triggers(op.get_bind().dialect.name, "notifications"):
        op.execute(statement)
    # Plain ALTER TABLE ADD COLUMN, never a batch (a batch may rebuild the table on SQLite);
    # SQLite takes the foreign key only inside the column's definition.
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("outbox", sa.Column("notification_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            op.f("fk_outbox_notification_id_notifications"),
            "outbox",
            "notifications",
            ["notification_id"],
            ["id"],
            ondelete="SET NULL",
        )
    else:
        op.execute(
            "ALTER TABLE outbox ADD COLUMN notification_id CHAR(32) "
            "REFERENCES notifications (id) ON DELETE SET NULL"
        )


def downgrade() -> None:
    name = op.get_bind().dialect.name
    if name == "postgresql":
        op.drop_constraint(
            op.f("fk_outbox_notification_id_notifications"), "outbox", type_="foreignkey"
        )
        op.drop_column("outbox", "notification_id")
    else:  # SQLite drops no column a foreign key names; outbox has no geometry nor triggers
        with op.batch_alter_table("outbox") as batch_op:
            batch_op.drop_column("notification_id")
    for statement in dialect.drop_change_stamp(name, ["notifications"])[
        : 1 if name == "postgresql" else None
    ]:
        op.execute(statement)
    op.drop_table("notifications")
