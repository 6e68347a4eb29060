"""hazards

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op

import sqlalchemy as sa
from geoalchemy2 import Geometry

import backend.core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table(
        "hazards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column(
            "location",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("raw_lng", sa.Float(), nullable=False),
        sa.Column("raw_lat", sa.Float(), nullable=False),
        sa.Column("raw_crs", sa.String(length=8), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("route_status", sa.String(length=16), nullable=False),
        sa.Column("premises_id", sa.Uuid(), nullable=True),
        sa.Column("reporter_id", sa.Uuid(), nullable=True),
        sa.Column("duplicate_of_id", sa.Uuid(), nullable=True),
        sa.Column("possible_duplicate_of_id", sa.Uuid(), nullable=True),
        sa.Column("device_time", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reported_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("level_since", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("level_due_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalate_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "rectification_deadline", backend.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("failed_rechecks", sa.Integer(), nullable=False),
        sa.Column("listing_level", sa.String(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_hazards_area_id_areas"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["hazards.id"],
            name=op.f("fk_hazards_duplicate_of_id_hazards"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["possible_duplicate_of_id"],
            ["hazards.id"],
            name=op.f("fk_hazards_possible_duplicate_of_id_hazards"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_hazards_premises_id_premises"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_hazards_reporter_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazards")),
    )
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_hazards_location",
            ["location"],
            unique=False,
            postgresql_using="gist",
            postgresql_ops={},
        )
        batch_op.create_index(batch_op.f("ix_hazards_area_id"), ["area_id"], unique=False)
        batch_op.create_index(
            "ix_hazards_area_path",
            ["area_path"],
            unique=False,
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        )
        batch_op.create_index(batch_op.f("ix_hazards_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_hazards_lat"), ["lat"], unique=False)
        batch_op.create_index(
            "ix_hazards_open_escalate_at", ["is_open", "escalate_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hazards_premises_id"), ["premises_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hazards_state"), ["state"], unique=False)

    op.create_table(
        "hazard_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("hazard_id", sa.Uuid(), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("approvers", sa.JSON(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_hazard_decisions_hazard_id_hazards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_decisions")),
    )
    with op.batch_alter_table("hazard_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hazard_decisions_hazard_id"), ["hazard_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hazard_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_decisions_hazard_id"))

    op.drop_table("hazard_decisions")
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazards_state"))
        batch_op.drop_index(batch_op.f("ix_hazards_premises_id"))
        batch_op.drop_index("ix_hazards_open_escalate_at")
        batch_op.drop_index(batch_op.f("ix_hazards_lat"))
        batch_op.drop_index(batch_op.f("ix_hazards_category"))
        batch_op.drop_index(
            "ix_hazards_area_path", postgresql_ops={"area_path": "varchar_pattern_ops"}
        )
        batch_op.drop_index(batch_op.f("ix_hazards_area_id"))
        batch_op.drop_geospatial_index(
            "idx_hazards_location", postgresql_using="gist", column_name="location"
        )

    op.drop_geospatial_table("hazards")
