"""unit links: notices served by SMS link, and units' requests for more time (issue 22, part 3;
decision 0051)

`unit_links`: a link texted to a unit's person to serve a notice, kept only as its token's
keyed digest, with when it expires, was opened and had its receipt confirmed.
`hazard_extension_requests`: a unit's request for more time to rectify, with its reason and
staff's decision (the deadline before and after).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("person_role", sa.String(length=16), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_digest"),
    )
    op.create_index("ix_unit_links_unit_id", "unit_links", ["unit_id"], unique=False)
    op.create_index("ix_unit_links_notice_id", "unit_links", ["notice_id"], unique=False)
    op.create_table(
        "hazard_extension_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("hazard_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("deadline_before", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("requested_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("granted_days", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("deadline_after", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazards.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_hazard_extension_requests_hazard_id",
        "hazard_extension_requests",
        ["hazard_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_hazard_extension_requests_hazard_id", table_name="hazard_extension_requests")
    op.drop_table("hazard_extension_requests")
    op.drop_index("ix_unit_links_notice_id", table_name="unit_links")
    op.drop_index("ix_unit_links_unit_id", table_name="unit_links")
    op.drop_table("unit_links")
