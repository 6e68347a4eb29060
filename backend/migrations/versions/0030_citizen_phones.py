"""citizens' page: following one's reports by a phone proven with an SMS code

`citizen_phone_codes`: per phone (its keyed digest, as complaint callers'), the digest of the
code sent, its expiry and the wrong tries. `citizen_phone_sessions`: the digests of the tokens
a proven phone holds, until they expire.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citizen_phone_codes",
        sa.Column("phone_digest", sa.String(length=64), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("phone_digest", name=op.f("pk_citizen_phone_codes")),
    )
    op.create_table(
        "citizen_phone_sessions",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("phone_digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_citizen_phone_sessions")),
    )
    op.create_index(
        op.f("ix_citizen_phone_sessions_phone_digest"), "citizen_phone_sessions", ["phone_digest"]
    )
    op.create_index(
        op.f("ix_citizen_phone_sessions_expires_at"), "citizen_phone_sessions", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_citizen_phone_sessions_expires_at"), table_name="citizen_phone_sessions")
    op.drop_index(op.f("ix_citizen_phone_sessions_phone_digest"), table_name="citizen_phone_sessions")
    op.drop_table("citizen_phone_sessions")
    op.drop_table("citizen_phone_codes")
