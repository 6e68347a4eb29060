"""fire incidents: the register 火灾事故 (issue 23, part 2; decision 0056)

`fire_incidents`: when a fire broke out and was reported, where (the point routed to its grid,
the address), the premises that burned, the cause category, the kind of place, the toll,
the response, where the record came from (staff, or a 一键报警 alert: `alert_id`), and its
state (draft, confirmed, published, withdrawn).

`alert_id` names the 一键报警 alert (0039's `fire_alerts`) an incident was recorded from.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-11
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

import backend.core.db

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table(
        "fire_incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
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
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("premises_id", sa.Uuid(), nullable=True),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("place_category", sa.String(length=32), nullable=False),
        sa.Column("deaths", sa.Integer(), nullable=False),
        sa.Column("injuries", sa.Integer(), nullable=False),
        sa.Column("direct_loss_yuan", sa.BigInteger(), nullable=False),
        sa.Column("burned_area_m2", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("responders", sa.Text(), nullable=False),
        sa.Column("arrived_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responding_unit", sa.String(length=200), nullable=False),
        sa.Column("response_note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_fire_incidents_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_fire_incidents_premises_id_premises"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["fire_alerts.id"],
            name=op.f("fk_fire_incidents_alert_id_fire_alerts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_fire_incidents_recorded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fire_incidents")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_fire_incidents_alert_id")),
    )
    with op.batch_alter_table("fire_incidents", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_fire_incidents_location",
            ["location"],
            unique=False,
            postgresql_using="gist",
            postgresql_ops={},
        )
        batch_op.create_index(batch_op.f("ix_fire_incidents_area_id"), ["area_id"], unique=False)
        batch_op.create_index(
            "ix_fire_incidents_area_path",
            ["area_path"],
            unique=False,
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        )
        batch_op.create_index(batch_op.f("ix_fire_incidents_cause"), ["cause"], unique=False)
        batch_op.create_index(batch_op.f("ix_fire_incidents_state"), ["state"], unique=False)
        batch_op.create_index("ix_fire_incidents_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index(
            "ix_fire_incidents_premises_occurred", ["premises_id", "occurred_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fire_incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_fire_incidents_premises_occurred")
        batch_op.drop_index("ix_fire_incidents_occurred_at")
        batch_op.drop_index(batch_op.f("ix_fire_incidents_state"))
        batch_op.drop_index(batch_op.f("ix_fire_incidents_cause"))
        batch_op.drop_index("ix_fire_incidents_area_path")
        batch_op.drop_index(batch_op.f("ix_fire_incidents_area_id"))
        batch_op.drop_geospatial_index(
            "idx_fire_incidents_location", postgresql_using="gist", column_name="location"
        )
    op.drop_geospatial_table("fire_incidents")
