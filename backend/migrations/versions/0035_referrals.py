"""referrals 抄告/移送 to other departments (issue 22, part 5; decision 0050)

`referrals`: a hazard, complaint and/or unit referred to another department (kind copy or
transfer), what was found, the hazard's photos sent (sha256 list), the legal basis, the reply's
deadline, its state, and the department's reply (text, date, who; posted by the department's
partner or entered by staff).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("department_name", sa.String(length=50), nullable=False),
        sa.Column("hazard_id", sa.Uuid(), nullable=True),
        sa.Column("complaint_id", sa.Uuid(), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("sent_by", sa.Uuid(), nullable=True),
        sa.Column("sent_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("overdue_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("reply_on", sa.Date(), nullable=True),
        sa.Column("reply_by", sa.String(length=100), nullable=True),
        sa.Column("replied_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reply_entered_by", sa.Uuid(), nullable=True),
        sa.Column("reply_channel", sa.String(length=16), nullable=True),
        sa.Column("closed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_referrals_hazard_id_hazards"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_referrals_complaint_id_complaints"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_referrals_unit_id_units"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["sent_by"], ["users.id"], name=op.f("fk_referrals_sent_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reply_entered_by"],
            ["users.id"],
            name=op.f("fk_referrals_reply_entered_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    op.create_index(op.f("ix_referrals_hazard_id"), "referrals", ["hazard_id"])
    op.create_index(op.f("ix_referrals_complaint_id"), "referrals", ["complaint_id"])
    op.create_index(op.f("ix_referrals_unit_id"), "referrals", ["unit_id"])
    op.create_index(
        "ix_referrals_area_path",
        "referrals",
        ["area_path"],
        postgresql_ops={"area_path": "varchar_pattern_ops"},
    )
    op.create_index("ix_referrals_state_due_at", "referrals", ["state", "due_at"])


def downgrade() -> None:
    op.drop_table("referrals")
