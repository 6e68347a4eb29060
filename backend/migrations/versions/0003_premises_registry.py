"""premises registry

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

import backend.core.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table(
        "premises",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("individual_business", sa.Boolean(), nullable=False),
        sa.Column("premises_type", sa.String(length=32), nullable=False),
        sa.Column("risk_level", sa.String(length=16), nullable=False),
        sa.Column("supervision_tier", sa.String(length=16), nullable=False),
        sa.Column("key_unit", sa.Boolean(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
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
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("credit_status", sa.String(length=16), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_premises_area_id_areas"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premises")),
    )
    with op.batch_alter_table("premises", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_premises_location",
            ["location"],
            unique=False,
            postgresql_using="gist",
            postgresql_ops={},
        )
        batch_op.create_index(batch_op.f("ix_premises_area_id"), ["area_id"], unique=False)
        batch_op.create_index(
            "ix_premises_area_path",
            ["area_path"],
            unique=False,
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        )
        batch_op.create_index(batch_op.f("ix_premises_lat"), ["lat"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_premises_premises_type"), ["premises_type"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_premises_uscc"), ["uscc"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("premises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_premises_uscc"))
        batch_op.drop_index(batch_op.f("ix_premises_premises_type"))
        batch_op.drop_index(batch_op.f("ix_premises_lat"))
        batch_op.drop_index(
            "ix_premises_area_path", postgresql_ops={"area_path": "varchar_pattern_ops"}
        )
        batch_op.drop_index(batch_op.f("ix_premises_area_id"))
        batch_op.drop_geospatial_index(
            "idx_premises_location", postgresql_using="gist", column_name="location"
        )

    op.drop_geospatial_table("premises")
