"""citizens' reports from the page /report/: follow codes, declared photos, photo kinds

`citizen_reports`: per complaint from the citizens' page, the follow code's digest, the upload
token's digest and expiry, the stages the reporter wants to be told of, and their one "not
fixed". `citizen_photos`: the photos the page declared, waiting for their bytes (tus).
`complaint_photos.kind`: site (the worker's, as before), report or dispute (the citizen's).
`uploads.complaint_id`: a citizen's tus upload, for the report whose token started it.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citizen_reports",
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("follow_digest", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("upload_digest", sa.String(length=64), nullable=False),
        sa.Column(
            "upload_expires_at", backend.core.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("wants", sa.JSON(), nullable=False),
        sa.Column("disputed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dispute_note", sa.Text(), nullable=True),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_citizen_reports_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_citizen_reports")),
        sa.UniqueConstraint("follow_digest", name=op.f("uq_citizen_reports_follow_digest")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_citizen_reports_idempotency_key")),
    )
    op.create_index(
        op.f("ix_citizen_reports_upload_digest"), "citizen_reports", ["upload_digest"]
    )
    op.create_table(
        "citizen_photos",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_citizen_photos_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_photos")),
    )
    op.create_index(op.f("ix_citizen_photos_complaint_id"), "citizen_photos", ["complaint_id"])
    # Plain column additions (never a batch: a batch may rebuild a table on SQLite).
    op.add_column(
        "complaint_photos",
        sa.Column("kind", sa.String(length=8), nullable=False, server_default="site"),
    )
    op.add_column("uploads", sa.Column("complaint_id", sa.Uuid(), nullable=True))
    op.create_index(op.f("ix_uploads_complaint_id"), "uploads", ["complaint_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_uploads_complaint_id"), table_name="uploads")
    op.drop_column("uploads", "complaint_id")
    op.drop_column("complaint_photos", "kind")
    op.drop_index(op.f("ix_citizen_photos_complaint_id"), table_name="citizen_photos")
    op.drop_table("citizen_photos")
    op.drop_index(op.f("ix_citizen_reports_upload_digest"), table_name="citizen_reports")
    op.drop_table("citizen_reports")
