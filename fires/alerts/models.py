from __future__ import annotations

import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class FireAlert(Base):
    """一键报警: a fire in progress, where and when, who reported it and how; its grid (or
    township) by the point, the premises near it. The id is the phone's own (retries of the
    same press are one alert). Scoped by the area path of its grid."""

    __tablename__ = "fire_alerts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    state: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))  # AlertChannel
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    lng: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False, nullable=False)
    )
    place_source: Mapped[str] = mapped_column(String(16))  # gps | text | grid | position
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    area_path: Mapped[str] = mapped_column(String(255))
    grid_code: Mapped[str | None] = mapped_column(String(32))
    premises_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL")
    )
    premises_distance_m: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    close_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index(
            "ix_fire_alerts_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
        Index("ix_fire_alerts_state_reported", "state", "reported_at"),
    )


class AlertRecipient(Base):
    """One who was alerted, nearest first (`rank`): a person (worker, leader, station staff)
    or a micro station; how far, by which channels, and their answer (going or not, when)."""

    __tablename__ = "fire_alert_recipients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    alert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("fire_alerts.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # RecipientKind
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    station_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("micro_stations.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))  # as it was called when alerted
    distance_m: Mapped[float | None] = mapped_column(Float)
    distance_from: Mapped[str | None] = mapped_column(String(16))  # position | grid | station
    channels: Mapped[str] = mapped_column(String(32))  # "push", "sms", "push+sms"
    notification_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL")
    )
    text_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # queued
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    going: Mapped[bool | None] = mapped_column(Boolean)
    eta_minutes: Mapped[int | None] = mapped_column(Integer)
    ack_channel: Mapped[str | None] = mapped_column(String(8))  # AckChannel
    acked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class WorkerPosition(Base):
    """The last position of a grid worker (or leader) on duty, and nothing before it: never a
    track. Replaced by each report, removed when they go off duty and by the worker once stale
    (decision 0055)."""

    __tablename__ = "worker_positions"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    lng: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=True, nullable=False)
    )
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SmsUplink(Base):
    """A text sent to the platform's number (上行短信), as the SMS gateway relayed it, kept with
    what it became. The gateway's message id is unique: a relayed retry is the same text."""

    __tablename__ = "fire_alert_sms"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    gateway_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(64))
    sender_masked: Mapped[str] = mapped_column(String(20))
    sender_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # UplinkOutcome
    alert_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("fire_alerts.id", ondelete="SET NULL")
    )
    reply: Mapped[str] = mapped_column(String(300))  # what the sender is told
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("gateway_id", "message_id", name="uq_fire_alert_sms_msg"),)


class AlertPhoto(Base):
    """A photo of the fire, sent after the alert by whoever may see it (the reporter first: the
    alert itself leaves without one, so that it leaves on a poor connection). Stored by its
    sha256 in the photo store, as hazards' photos are."""

    __tablename__ = "fire_alert_photos"

    alert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("fire_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
