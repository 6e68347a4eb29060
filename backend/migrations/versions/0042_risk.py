"""risk: the explainable risk score of premises and grids, and its runs (issue 23, part 4;
decision 0058)

`risk_scores`: one row per premises (score, level, rule set, when, contributions as JSON),
`risk_grid_scores`: one per grid, `risk_runs`: each recomputation.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-20
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_scores",
        sa.Column("premises_id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("ruleset", sa.String(length=16), nullable=False),
        sa.Column("computed_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("digest", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["premises_id"], ["premises.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("premises_id"),
    )
    op.create_index(op.f("ix_risk_scores_area_id"), "risk_scores", ["area_id"])
    op.create_index(
        "ix_risk_scores_area_path",
        "risk_scores",
        ["area_path"],
        postgresql_ops={"area_path": "varchar_pattern_ops"},
    )
    op.create_index("ix_risk_scores_score", "risk_scores", ["score"])
    op.create_table(
        "risk_grid_scores",
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("ruleset", sa.String(length=16), nullable=False),
        sa.Column("computed_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("area_id"),
    )
    op.create_index(
        "ix_risk_grid_scores_area_path",
        "risk_grid_scores",
        ["area_path"],
        postgresql_ops={"area_path": "varchar_pattern_ops"},
    )
    op.create_table(
        "risk_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ruleset", sa.String(length=16), nullable=False),
        sa.Column("computed_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("premises", sa.Integer(), nullable=False),
        sa.Column("grids", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_risk_runs_computed_at"), "risk_runs", ["computed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_risk_runs_computed_at"), table_name="risk_runs")
    op.drop_table("risk_runs")
    op.drop_index("ix_risk_grid_scores_area_path", table_name="risk_grid_scores")
    op.drop_table("risk_grid_scores")
    op.drop_index("ix_risk_scores_score", table_name="risk_scores")
    op.drop_index("ix_risk_scores_area_path", table_name="risk_scores")
    op.drop_index(op.f("ix_risk_scores_area_id"), table_name="risk_scores")
    op.drop_table("risk_scores")
