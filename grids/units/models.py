from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class Unit(Base):
    """单位: the organisation that runs one or more premises (`premises.unit_id`). It is created
    in an area (`area_id`, its `path` kept as `area_path`); who sees it is that area's scope
    and the scope of each of its premises (grids.units.service.visible_clause)."""

    __tablename__ = "units"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), index=True)  # 统一社会信用代码
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"), index=True)
    area_path: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index(
            "ix_units_area_path", "area_path", postgresql_ops={"area_path": "varchar_pattern_ops"}
        ),
    )


class UnitPerson(Base):
    """A unit's current 消防安全责任人 or 管理人, apart from case data: the phone only sealed
    (backend.core.security.seal) with its keyed digest, never in the clear. A person replaced
    is deleted; the audit log keeps who they were (name, masked phone, when verified). The
    code texted to verify the phone is kept as its keyed digest, with its expiry and tries."""

    __tablename__ = "unit_persons"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    phone_sealed: Mapped[str] = mapped_column(Text)
    phone_digest: Mapped[str] = mapped_column(String(64), index=True)
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_digest: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("unit_id", "role"),)  # one current person per role
