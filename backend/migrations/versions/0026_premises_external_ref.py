"""premises: an external reference (外部编号) for imports that update

`premises.external_ref`: the key an office's own list gives the premises (another register's
number, a row id of its spreadsheet). An import matches a row to the premises by it, or by the
unified social credit code, so importing the same sheet again changes nothing. Unique where
given: two premises never answer to the same key.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain operations, never a batch: a batch may rebuild the table on SQLite, losing its
    # SpatiaLite geometry registration and change-stamp triggers.
    op.add_column("premises", sa.Column("external_ref", sa.String(length=64), nullable=True))
    op.create_index("ix_premises_external_ref", "premises", ["external_ref"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_premises_external_ref", table_name="premises")
    op.drop_column("premises", "external_ref")
