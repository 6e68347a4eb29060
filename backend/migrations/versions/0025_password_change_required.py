"""user administration: a password to change at next sign-in

`users.password_change_required`: set when an administrator resets a password (the temporary
one was seen by someone else), cleared when the user chooses their own; while set, the user's
tokens are good for nothing but `GET /api/v1/me` and changing the password.
`users.password_changed_at`: when the user last chose it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "password_change_required",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch_op.add_column(
            sa.Column(
                "password_changed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("password_change_required")
