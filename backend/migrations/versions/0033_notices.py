"""notices 执法文书 as numbered PDF documents (issue 22, part 2; decision 0048)

`notice_counters`: the last number given per series (an issuing county's kind of notice) and
year, incremented under the row's lock so numbers run without gaps. `notices`: each notice
issued, its number, the sha256 of its PDF (kept in the media store) and its service 送达.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_counters",
        sa.Column("series", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year"),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("series", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("hazard_id", sa.Uuid(), nullable=True),
        sa.Column("assignment_id", sa.Uuid(), nullable=True),
        sa.Column("premises_id", sa.Uuid(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("issuer", sa.String(length=60), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("unit_address", sa.String(length=300), nullable=False),
        sa.Column("period_days", sa.Integer(), nullable=True),
        sa.Column("period_working", sa.Boolean(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_size", sa.Integer(), nullable=False),
        sa.Column("issued_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.Column("served_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("served_by", sa.Uuid(), nullable=True),
        sa.Column("service_method", sa.String(length=16), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence_mime", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazards.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["inspection_assignments.id"], ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["premises_id"], ["premises.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["served_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series", "year", "seq", name="uq_notices_series_year_seq"),
    )
    op.create_index("ix_notices_hazard_id", "notices", ["hazard_id"], unique=False)
    op.create_index("ix_notices_assignment_id", "notices", ["assignment_id"], unique=False)
    op.create_index("ix_notices_premises_id", "notices", ["premises_id"], unique=False)
    op.create_index("ix_notices_area_path", "notices", ["area_path"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notices_area_path", table_name="notices")
    op.drop_index("ix_notices_premises_id", table_name="notices")
    op.drop_index("ix_notices_assignment_id", table_name="notices")
    op.drop_index("ix_notices_hazard_id", table_name="notices")
    op.drop_table("notices")
    op.drop_table("notice_counters")
