from __future__ import annotations

import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChangeStamped, UTCDateTime, utcnow
from backend.core.ids import new_id
from grids.units import models as _units  # noqa: F401 - the table `premises.unit_id` names


class Premises(ChangeStamped, Base):
    """A unit in the registry. Its place in the area tree is routed from its location and kept
    as `area_id` (the grid, or the township when no grid covers it) with that area's `path`, so
    scope filters are a prefix match."""

    __tablename__ = "premises"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)  # 统一社会信用代码
    # 外部编号: the key of the office's own list (another register, a spreadsheet), so that a
    # sheet imported again updates the premises it created instead of adding them twice.
    external_ref: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    individual_business: Mapped[bool] = mapped_column(Boolean, default=False)  # 个体工商户
    premises_type: Mapped[str] = mapped_column(String(32), index=True)
    risk_level: Mapped[str] = mapped_column(String(16))
    supervision_tier: Mapped[str] = mapped_column(String(16))
    key_unit: Mapped[bool] = mapped_column(Boolean, default=False)  # 重点单位
    address: Mapped[str] = mapped_column(String(300))
    # WGS-84, also as plain columns for portable bounding-box filters; the raw input is kept.
    lng: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float, index=True)
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
    # 单位: the organisation that runs it (grids.units); several premises may share one.
    unit_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(32))  # shown masked
    credit_status: Mapped[str] = mapped_column(String(16), default="normal")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index(
            "ix_premises_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )
