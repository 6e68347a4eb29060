from __future__ import annotations

import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id
from grids.premises import models as _premises  # noqa: F401 - the table `premises_id` names


class FireIncident(Base):
    """火灾事故: a fire that happened, as the register keeps it (Liuzhou #22): when it broke
    out and was reported, where (the point, routed to its grid, and the address as typed),
    which premises burned if any (then its grid is the premises' grid), why (the national
    statistics' cause category), what kind of place, the toll (deaths, injuries, direct loss in
    yuan, area burned), who responded and when they arrived, and where the record came from.

    `area_path` is the grid's (or the township's, when no grid covers the point), so scope is a
    prefix match, as for premises and hazards. Published, a masked copy is public
    (fires.incidents.service.public_incidents)."""

    __tablename__ = "fire_incidents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)  # 起火时间
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 报警时间
    # The place: WGS-84 (also as plain columns), the raw input, and where routing put it.
    lng: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=True, nullable=False)
    )
    raw_lng: Mapped[float] = mapped_column(Float)
    raw_lat: Mapped[float] = mapped_column(Float)
    raw_crs: Mapped[str] = mapped_column(String(8))
    area_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("areas.id", ondelete="SET NULL"), index=True
    )
    area_path: Mapped[str] = mapped_column(String(255))
    route_status: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(300))  # as typed, in full (masked when public)
    premises_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL")
    )
    cause: Mapped[str] = mapped_column(String(32), index=True)
    place_category: Mapped[str] = mapped_column(String(32))
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    injuries: Mapped[int] = mapped_column(Integer, default=0)
    direct_loss_yuan: Mapped[int] = mapped_column(BigInteger, default=0)  # 直接经济损失 (元)
    burned_area_m2: Mapped[float] = mapped_column(Float, default=0)  # 过火面积
    summary: Mapped[str] = mapped_column(Text, default="")  # 简要经过, internal
    # The response: who went (free text: names stay internal), when they arrived, which micro
    # fire station or brigade (free text until fires.stations' register is linked), a note.
    responders: Mapped[str] = mapped_column(Text, default="")
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responding_unit: Mapped[str] = mapped_column(String(200), default="")
    response_note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="staff")
    # The 一键报警 alert this incident was recorded from (one incident per alert).
    alert_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("fire_alerts.id", ondelete="SET NULL"), unique=True
    )
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index(
            "ix_fire_incidents_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
        Index("ix_fire_incidents_occurred_at", "occurred_at"),
        # incidents_by_premises: one range scan per period, grouped by premises
        Index("ix_fire_incidents_premises_occurred", "premises_id", "occurred_at"),
    )
