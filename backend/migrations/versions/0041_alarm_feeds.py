"""alarm feeds 物联网: the device register and the platforms' events (issue 23, part 3;
decision 0057)

`alarm_devices`: a monitoring platform's (partner's) device, its kind, premises, point and
grid, install place, status, who registered it (none: its first event), its last event and
the burst of alarms last reported as a hazard. `alarm_events`: each event once per device (by
the platform's event id, and by kind and time), where it was routed, what it became (a task, a
hazard) and the rules' version.

Revision ID: 0041
Revises: 0038 (0040 once merged)
Create Date: 2026-12-20
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

UTC = backend.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alarm_devices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("premises_id", sa.Uuid(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("install_place", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("auto_registered", sa.Boolean(), nullable=False),
        sa.Column("registered_by", sa.Uuid(), nullable=True),
        sa.Column("last_event_at", UTC, nullable=True),
        sa.Column("burst_hazard_id", sa.Uuid(), nullable=True),
        sa.Column("burst_last_alarm_at", UTC, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["users.id"], name=op.f("fk_alarm_devices_partner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_alarm_devices_premises_id_premises"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_alarm_devices_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"],
            ["users.id"],
            name=op.f("fk_alarm_devices_registered_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["burst_hazard_id"],
            ["hazards.id"],
            name=op.f("fk_alarm_devices_burst_hazard_id_hazards"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_devices")),
    )
    op.create_index(
        "uq_alarm_devices_partner_external",
        "alarm_devices",
        ["partner_id", "external_id"],
        unique=True,
    )
    op.create_index(op.f("ix_alarm_devices_premises_id"), "alarm_devices", ["premises_id"])
    op.create_index(
        "ix_alarm_devices_area_path",
        "alarm_devices",
        ["area_path"],
        postgresql_ops={"area_path": "varchar_pattern_ops"},
    )
    op.create_table(
        "alarm_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("device_ref", sa.String(length=128), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", UTC, nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("reading", sa.Text(), nullable=True),
        sa.Column("premises_id", sa.Uuid(), nullable=True),
        sa.Column("area_id", sa.Uuid(), nullable=True),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("hazard_id", sa.Uuid(), nullable=True),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["users.id"], name=op.f("fk_alarm_events_partner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["alarm_devices.id"],
            name=op.f("fk_alarm_events_device_id_alarm_devices"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_alarm_events_premises_id_premises"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_alarm_events_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["patrol_tasks.id"],
            name=op.f("fk_alarm_events_task_id_patrol_tasks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_alarm_events_hazard_id_hazards"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_events")),
    )
    op.create_index(
        "uq_alarm_events_partner_event",
        "alarm_events",
        ["partner_id", "device_ref", "external_id"],
        unique=True,
    )
    op.create_index(
        "uq_alarm_events_device_kind_time",
        "alarm_events",
        ["partner_id", "device_ref", "kind", "occurred_at"],
        unique=True,
    )
    op.create_index("ix_alarm_events_device_time", "alarm_events", ["device_id", "occurred_at"])
    op.create_index("ix_alarm_events_premises_time", "alarm_events", ["premises_id", "occurred_at"])
    op.create_index(
        "ix_alarm_events_area_path",
        "alarm_events",
        ["area_path"],
        postgresql_ops={"area_path": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_table("alarm_events")
    op.drop_table("alarm_devices")
