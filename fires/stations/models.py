from __future__ import annotations

import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class MicroStation(Base):
    """A micro fire station 微型消防站 or volunteer brigade 志愿消防队 of a township: where it is,
    whom to call (its contact, and the duty phone alerts are texted to), how many members, and
    whether it is on duty now. Scoped by its township's path."""

    __tablename__ = "micro_stations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # StationKind
    area_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )  # the township it belongs to
    area_path: Mapped[str] = mapped_column(String(255))
    lng: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=True, nullable=False)
    )
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))  # shown masked to most
    duty_phone: Mapped[str | None] = mapped_column(String(20))  # alerts texted here
    members_count: Mapped[int] = mapped_column(Integer, default=0)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index(
            "ix_micro_stations_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )


class MicroStationMember(Base):
    """A person (an account) attached to a micro station: alerts to the station reach them by
    push, and they may set the station on or off duty and answer an alert for it."""

    __tablename__ = "micro_station_members"

    station_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("micro_stations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
