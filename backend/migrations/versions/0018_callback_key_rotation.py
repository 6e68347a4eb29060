"""callback key rotation: a partner's previous callback key, still signed with until a moment

`firegrid integrations callback-rotate` gives a partner a new callback signing key; until
`previous_until` every callback carries the old key's signature as well, so a partner that has
not installed the new secret yet still checks what it is sent (decision 0022). Changing the
callback address no longer changes the key.

Existing callbacks keep their `seq`: partners have received those numbers, and a complaint that
is still open goes on from the highest one it has. Only new complaints start at 1.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # hotline_partners has no geometry and no triggers: plain ADD COLUMN on both backends.
    op.add_column(
        "hotline_partners", sa.Column("previous_key_id", sa.String(length=64), nullable=True)
    )
    op.add_column(
        "hotline_partners",
        sa.Column("previous_sealed_secret", sa.String(length=512), nullable=True),
    )
    op.add_column(
        "hotline_partners",
        sa.Column("previous_until", backend.core.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("hotline_partners", schema=None) as batch_op:
        batch_op.drop_column("previous_until")
        batch_op.drop_column("previous_sealed_secret")
        batch_op.drop_column("previous_key_id")
