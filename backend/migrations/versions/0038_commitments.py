"""commitments: 告知承诺 of public gathering places, their files, and the random draw's
commitment group (issue 22, part 6; decision 0054)

`commitments`: a premises' signed commitment (signatory's name and role, day, scope), its
state (committed, verified, false, withdrawn) and the check's finding; at most one
`committed` per premises (a partial unique index). `commitment_documents`: its files by
content hash. `inspection_assignments` gains `draw_group` (rates | commitment) and
`commitment_id` (the commitment drawn).

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commitments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("premises_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("committed_on", sa.Date(), nullable=False),
        sa.Column("signatory_name", sa.String(length=50), nullable=False),
        sa.Column("signatory_role", sa.String(length=50), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("result_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["premises_id"], ["premises.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_commitments_premises_id"), "commitments", ["premises_id"])
    op.create_index(
        "uq_commitments_open_per_premises",
        "commitments",
        ["premises_id"],
        unique=True,
        sqlite_where=sa.text("state = 'committed'"),
        postgresql_where=sa.text("state = 'committed'"),
    )
    op.create_table(
        "commitment_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("commitment_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("uploaded_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("commitment_id", "sha256", name="uq_commitment_documents_sha256"),
    )
    # Plain ALTER TABLE ADD COLUMN, as 0032 does: SQLite takes the foreign key only inside the
    # column's definition.
    op.add_column(
        "inspection_assignments",
        sa.Column("draw_group", sa.String(length=16), nullable=False, server_default="rates"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "inspection_assignments", sa.Column("commitment_id", sa.Uuid(), nullable=True)
        )
        op.create_foreign_key(
            op.f("fk_inspection_assignments_commitment_id_commitments"),
            "inspection_assignments",
            "commitments",
            ["commitment_id"],
            ["id"],
            ondelete="SET NULL",
        )
    elif "commitment_id" not in {
        c["name"] for c in sa.inspect(op.get_bind()).get_columns("inspection_assignments")
    }:  # a downgrade on SQLite leaves it (below): upgraded again, it is there
        op.execute(
            "ALTER TABLE inspection_assignments ADD COLUMN commitment_id CHAR(32) "
            "REFERENCES commitments (id) ON DELETE SET NULL"
        )
    op.create_index(
        op.f("ix_inspection_assignments_commitment_id"),
        "inspection_assignments",
        ["commitment_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_inspection_assignments_commitment_id"), table_name="inspection_assignments"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(
            op.f("fk_inspection_assignments_commitment_id_commitments"),
            "inspection_assignments",
            type_="foreignkey",
        )
        op.drop_column("inspection_assignments", "commitment_id")
        op.drop_column("inspection_assignments", "draw_group")
    else:
        # SQLite drops no column a foreign key names (as 0032): emptied, they stay.
        op.execute("UPDATE inspection_assignments SET commitment_id = NULL")
        op.drop_column("inspection_assignments", "draw_group")
    op.drop_table("commitment_documents")
    op.drop_index("uq_commitments_open_per_premises", table_name="commitments")
    op.drop_index(op.f("ix_commitments_premises_id"), table_name="commitments")
    op.drop_table("commitments")
