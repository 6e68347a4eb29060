"""notice signatures through sync: notices to serve pulled by phones, signatures pushed
(issue 22, parts 2 and 7; decision 0053)

`notices.change_seq`: notices are change-stamped, so phones pull the ones they have to serve
(the existing rows are stamped once here, so a first sync finds them).
`notice_signatures`: a signature taken on a worker's phone to serve a notice on site (who
signed, in what role, when on the phone, the PNG's sha256 and size; its bytes come by tus),
kept with what became of it.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db
from backend.core import dialect

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    name = op.get_bind().dialect.name
    # Plain ALTER TABLE ADD COLUMN, never a batch (a batch may rebuild the table on SQLite).
    op.add_column("notices", sa.Column("change_seq", SEQ, nullable=False, server_default="0"))
    op.create_index("ix_notices_change_seq", "notices", ["change_seq"], unique=False)
    for statement in dialect.change_stamp_triggers(name, "notices"):
        op.execute(statement)
    op.execute("UPDATE notices SET state = state")  # each existing notice takes its number

    op.create_table(
        "notice_signatures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("signer_name", sa.String(length=100), nullable=False),
        sa.Column("signer_role", sa.String(length=16), nullable=False),
        sa.Column("signed_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", SEQ, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("received_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("change_seq", SEQ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("user_id", "notice_id", "state", "change_seq"):
        op.create_index(
            f"ix_notice_signatures_{column}", "notice_signatures", [column], unique=False
        )
    for statement in dialect.change_stamp_triggers(name, "notice_signatures"):
        op.execute(statement)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    tables = ["notice_signatures", "notices"]
    for statement in dialect.drop_change_stamp(name, tables)[
        : len(tables) if name == "postgresql" else None
    ]:
        op.execute(statement)
    for column in ("change_seq", "state", "notice_id", "user_id"):
        op.drop_index(f"ix_notice_signatures_{column}", table_name="notice_signatures")
    op.drop_table("notice_signatures")
    op.drop_index("ix_notices_change_seq", table_name="notices")
    with op.batch_alter_table("notices") as batch_op:  # notices has no geometry nor triggers left
        batch_op.drop_column("change_seq")
