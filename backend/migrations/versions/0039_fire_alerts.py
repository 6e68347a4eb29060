"""fire alerts: 一键报警, its recipients, workers' last positions, SMS uplinks, and the register
of micro fire stations (issue 23, part 1; decision 0055)

`micro_stations` (微型消防站 / 志愿消防队: township, point, contact, duty phone, members, on
duty) and `micro_station_members` (the accounts alerts reach by push). `fire_alerts` (the
phone's own id, where, grid, premises near, state), `fire_alert_recipients` (nearest first:
who, how far, channels, answer), `worker_positions` (the last position of an on-duty worker,
never a track; a spatial index for the nearest-first choice) and `fire_alert_sms` (texts to
the platform's number as the gateway relayed them, unique by the gateway's message id).

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-11
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

import backend.core.db

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def _point(name: str) -> sa.Column:
    return sa.Column(
        name,
        Geometry(
            geometry_type="POINT",
            srid=4326,
            dimension=2,
            spatial_index=False,
            from_text="ST_GeomFromEWKT",
            name="geometry",
        ),
        nullable=False,
    )


def upgrade() -> None:
    op.create_geospatial_table(
        "micro_stations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        _point("location"),
        sa.Column("contact_name", sa.String(length=50), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("duty_phone", sa.String(length=20), nullable=True),
        sa.Column("members_count", sa.Integer(), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_micro_stations_area_id"), "micro_stations", ["area_id"])
    op.create_index(
        "ix_micro_stations_area_path",
        "micro_stations",
        ["area_path"],
        postgresql_ops={"area_path": "varchar_pattern_ops"},
    )
    op.create_geospatial_index(
        "idx_micro_stations_location",
        "micro_stations",
        ["location"],
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "micro_station_members",
        sa.Column("station_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["micro_stations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("station_id", "user_id"),
    )
    op.create_index(op.f("ix_micro_station_members_user_id"), "micro_station_members", ["user_id"])
    op.create_geospatial_table(
        "fire_alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        _point("location"),
        sa.Column("place_source", sa.String(length=16), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("grid_code", sa.String(length=32), nullable=True),
        sa.Column("premises_id", sa.Uuid(), nullable=True),
        sa.Column("premises_distance_m", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reported_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["premises_id"], ["premises.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_fire_alerts_reporter_id"), "fire_alerts", ["reporter_id"])
    op.create_index(
        "ix_fire_alerts_area_path",
        "fire_alerts",
        ["area_path"],
        postgresql_ops={"area_path": "varchar_pattern_ops"},
    )
    op.create_index("ix_fire_alerts_state_reported", "fire_alerts", ["state", "reported_at"])
    op.create_table(
        "fire_alert_recipients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("distance_from", sa.String(length=16), nullable=True),
        sa.Column("channels", sa.String(length=32), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=True),
        sa.Column("text_id", sa.Uuid(), nullable=True),
        sa.Column("sent_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acked_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("going", sa.Boolean(), nullable=True),
        sa.Column("eta_minutes", sa.Integer(), nullable=True),
        sa.Column("ack_channel", sa.String(length=8), nullable=True),
        sa.Column("acked_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["fire_alerts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["station_id"], ["micro_stations.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["text_id"], ["outbox.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["acked_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("alert_id", "user_id", "station_id"):
        op.create_index(
            op.f(f"ix_fire_alert_recipients_{column}"), "fire_alert_recipients", [column]
        )
    op.create_geospatial_table(
        "worker_positions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        _point("location"),
        sa.Column("reported_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index(op.f("ix_worker_positions_reported_at"), "worker_positions", ["reported_at"])
    op.create_geospatial_index(
        "idx_worker_positions_location",
        "worker_positions",
        ["location"],
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "fire_alert_sms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gateway_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("sender_masked", sa.String(length=20), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("received_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("reply", sa.String(length=300), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gateway_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sender_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["alert_id"], ["fire_alerts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("gateway_id", "message_id", name="uq_fire_alert_sms_msg"),
    )


def downgrade() -> None:
    op.drop_table("fire_alert_sms")
    op.drop_geospatial_index(
        "idx_worker_positions_location",
        table_name="worker_positions",
        postgresql_using="gist",
        column_name="location",
    )
    op.drop_index(op.f("ix_worker_positions_reported_at"), table_name="worker_positions")
    op.drop_geospatial_table("worker_positions")
    for column in ("alert_id", "user_id", "station_id"):
        op.drop_index(
            op.f(f"ix_fire_alert_recipients_{column}"), table_name="fire_alert_recipients"
        )
    op.drop_table("fire_alert_recipients")
    op.drop_index("ix_fire_alerts_state_reported", table_name="fire_alerts")
    op.drop_index("ix_fire_alerts_area_path", table_name="fire_alerts")
    op.drop_index(op.f("ix_fire_alerts_reporter_id"), table_name="fire_alerts")
    op.drop_geospatial_table("fire_alerts")
    op.drop_index(op.f("ix_micro_station_members_user_id"), table_name="micro_station_members")
    op.drop_table("micro_station_members")
    op.drop_geospatial_index(
        "idx_micro_stations_location",
        table_name="micro_stations",
        postgresql_using="gist",
        column_name="location",
    )
    op.drop_index("ix_micro_stations_area_path", table_name="micro_stations")
    op.drop_index(op.f("ix_micro_stations_area_id"), table_name="micro_stations")
    op.drop_geospatial_table("micro_stations")
