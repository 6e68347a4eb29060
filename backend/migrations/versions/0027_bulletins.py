"""monthly bulletins 简报

`bulletins`: one row per area (township or county) and month: the figures as JSON, and the
content hashes of the rendered PDF and page images kept in the media store.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=32), nullable=False),
        sa.Column("area_name", sa.String(length=100), nullable=False),
        sa.Column("area_level", sa.String(length=16), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_size", sa.Integer(), nullable=False),
        sa.Column("page_sha256s", sa.JSON(), nullable=False),
        sa.Column("generated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("generated_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["generated_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("area_id", "month", name="uq_bulletins_area_month"),
    )
    op.create_index("ix_bulletins_area_path", "bulletins", ["area_path"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_bulletins_area_path", table_name="bulletins")
    op.drop_table("bulletins")
