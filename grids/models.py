from __future__ import annotations

import uuid
from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChangeStamped, UTCDateTime, utcnow
from backend.core.ids import new_id


class Area(ChangeStamped, Base):
    """A node of the area tree with its boundary.

    `path` lists the codes from the county down to this area ("/450202/450202001/"), so
    "inside my scope" is a prefix test that needs no recursive query.
    """

    __tablename__ = "areas"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(String(255))
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True, nullable=False)
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # Prefix searches (scope) need pattern ops on PostgreSQL.
        Index("ix_areas_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )


class GridAssignment(Base):
    """A grid worker's place: which grid, as its primary worker or as backup."""

    __tablename__ = "grid_assignments"
    __table_args__ = (UniqueConstraint("user_id", "area_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    area_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GridAssignmentChange(ChangeStamped, Base):
    """A worker joined or left a grid: offline sync sends the grid's records to a device that
    gained it and deletes them from one that lost it, whatever their age."""

    __tablename__ = "grid_assignment_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    joined: Mapped[bool] = mapped_column(Boolean)


class AreaRevision(Base):
    """One row whose number goes up whenever any area's geometry, name or place in the tree
    changes. Every API process compares it with the revision of its in-memory routing index
    (one tiny query) and rebuilds the index when it is behind."""

    __tablename__ = "area_revision"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class WorkerDuty(Base):
    """A grid worker's availability. No row means on duty."""

    __tablename__ = "worker_duty"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    # Leave 请假: away on these days (Asia/Shanghai dates, inclusive) even when on duty.
    leave_from: Mapped[date | None] = mapped_column(Date)
    leave_until: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
