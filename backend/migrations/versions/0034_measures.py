"""measures against a unit: 提醒/约谈/告诫/曝光 (issue 22, part 4; decision 0049)

`measures`: one step against a unit (`units`), its kind, state (recorded, or an exposure
withdrawn), day, place, the premises it concerns, who attended on the unit's side (names and
roles), what was found, the outcome, the hazards it is about, the measure it follows, its one
or two officers (双人执法), an exposure's published text, and its signed record (a PDF or a
photo, by SHA-256 in the media store).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "measures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("premises_id", sa.Uuid(), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("hazard_ids", sa.JSON(), nullable=False),
        sa.Column("follows_id", sa.Uuid(), nullable=True),
        sa.Column("officer_id", sa.Uuid(), nullable=True),
        sa.Column("second_officer_id", sa.Uuid(), nullable=True),
        sa.Column("public_findings", sa.Text(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("document_mime", sa.String(length=32), nullable=True),
        sa.Column("document_size", sa.Integer(), nullable=True),
        sa.Column("document_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_measures_unit_id_units"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_measures_premises_id_premises"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["follows_id"],
            ["measures.id"],
            name=op.f("fk_measures_follows_id_measures"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["users.id"],
            name=op.f("fk_measures_officer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["second_officer_id"],
            ["users.id"],
            name=op.f("fk_measures_second_officer_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
    )
    op.create_index("ix_measures_unit_id", "measures", ["unit_id", "held_on"])
    op.create_index("ix_measures_kind_state", "measures", ["kind", "state", "held_on"])


def downgrade() -> None:
    op.drop_index("ix_measures_kind_state", table_name="measures")
    op.drop_index("ix_measures_unit_id", table_name="measures")
    op.drop_table("measures")
