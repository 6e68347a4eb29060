"""The device register and the events monitoring platforms send."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class AlarmDevice(Base):
    """A monitored device: a platform's (partner's) device id, what it is, where it is (a
    premises and/or a point, routed to its grid), registered by staff or on its first event."""

    __tablename__ = "alarm_devices"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    external_id: Mapped[str] = mapped_column(String(128))  # the platform's device id
    kind: Mapped[str] = mapped_column(String(16))
    premises_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL"), index=True
    )
    lng: Mapped[float] = mapped_column(Float)  # WGS-84
    lat: Mapped[float] = mapped_column(Float)
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    area_path: Mapped[str] = mapped_column(String(255))  # its grid's
    install_place: Mapped[str] = mapped_column(Text, default="")  # e.g. 二楼厨房吊顶
    status: Mapped[str] = mapped_column(String(16), default="active")
    auto_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )  # None: registered by its first event
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The burst of alarms reported as a hazard, and its latest alarm: a further alarm within
    # the window of it belongs to the same burst (alarms/rules.py).
    burst_hazard_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="SET NULL")
    )
    burst_last_alarm_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("uq_alarm_devices_partner_external", "partner_id", "external_id", unique=True),
        Index(
            "ix_alarm_devices_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )


class AlarmEvent(Base):
    """One event as the platform sent it, once: de-duplicated per device by the platform's
    event id and by (kind, occurred_at). Keeps what it became (a task, a hazard) and where it
    was routed; one outside every area its platform serves is kept, flagged `not_routed`, in
    the platform's own area (its county's staff see it)."""

    __tablename__ = "alarm_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    device_ref: Mapped[str] = mapped_column(String(128))  # the platform's device id
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("alarm_devices.id", ondelete="SET NULL")
    )  # None: an unknown device that could not be registered
    external_id: Mapped[str] = mapped_column(String(128))  # the platform's event id
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lng: Mapped[float | None] = mapped_column(Float)  # WGS-84, as the event said
    lat: Mapped[float | None] = mapped_column(Float)
    reading: Mapped[str | None] = mapped_column(Text)  # 读数 or the platform's text
    premises_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL")
    )
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    area_path: Mapped[str] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16))
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("patrol_tasks.id", ondelete="SET NULL")
    )
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="SET NULL")
    )
    rules_version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index(
            "uq_alarm_events_partner_event",
            "partner_id",
            "device_ref",
            "external_id",
            unique=True,
        ),
        Index(
            "uq_alarm_events_device_kind_time",
            "partner_id",
            "device_ref",
            "kind",
            "occurred_at",
            unique=True,
        ),
        Index("ix_alarm_events_device_time", "device_id", "occurred_at"),
        Index("ix_alarm_events_premises_time", "premises_id", "occurred_at"),
        Index(
            "ix_alarm_events_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )
