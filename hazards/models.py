from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChangeStamped, UTCDateTime, utcnow
from backend.core.ids import new_id


class Hazard(ChangeStamped, Base):
    """A hazard and where it stands. Its history is the audit log (subject "hazard")."""

    __tablename__ = "hazards"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)  # devices may supply it
    source: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(32), index=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    # When it reached a closed state (None while open): months' counts of closed hazards read it,
    # not updated_at, which a late photo or a refused correction also moves.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text)
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
    area_path: Mapped[str] = mapped_column(String(255))  # "" while unrouted
    route_status: Mapped[str] = mapped_column(String(16))
    premises_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL"), index=True
    )
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="SET NULL")
    )
    # Flagged on report: an open hazard of the same category close by; staff decide (merge or not).
    possible_duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="SET NULL")
    )
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A grid worker or leader reported it outside their own grids: routed where it is, and
    # flagged so that whoever holds it there sees that a stranger to the grid reported it.
    outside_own_grids: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Why the server did not apply the last change the reporter's phone pushed (None: it did).
    report_refusal: Mapped[str | None] = mapped_column(String(500))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Escalation: who holds it (hazards.enums.EscalationLevel) and when it is overdue there.
    level: Mapped[int] = mapped_column(Integer, default=0)
    level_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    level_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # shown; overdue after it
    # The sweep's key: when to move up next; None at the top level, so the sweep's cost follows
    # the hazards that can still move, not the ones long overdue at the top.
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectification_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the unit's credit record notes the deadline missed (逾期未整改): the deadline while
    # one runs, None once noted or when the unit has submitted (hazards.credit.scheduled).
    credit_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_rechecks: Mapped[int] = mapped_column(Integer, default=0)
    listing_level: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index(
            "ix_hazards_area_path", "area_path", postgresql_ops={"area_path": "varchar_pattern_ops"}
        ),
        # The console's queue: one level and state, due before now, in due order, and its
        # total counted from the index alone (migration 0023, benchmarks/hazard_queue.py).
        Index(
            "ix_hazards_queue",
            "level",
            "state",
            "level_due_at",
            "area_path",
            "is_open",
            "reporter_id",
        ),
        # The map counts and draws open hazards per area path (0024): only open ones are kept
        # here, whatever the years of closed ones beside them.
        Index(
            "ix_hazards_open_area_path",
            "area_path",
            "level_due_at",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
            postgresql_where=text("is_open IS true"),
            sqlite_where=text("is_open IS 1"),
        ),
        # The escalation sweep reads only open, due rows: its cost follows them, not the table.
        Index("ix_hazards_open_escalate_at", "is_open", "escalate_at"),
        # Only hazards waiting on a deadline have one; the others stay out of the index, which
        # a sync push of a hundred new reports would otherwise grow by a hundred NULLs.
        Index(
            "ix_hazards_credit_overdue_at",
            "credit_overdue_at",
            postgresql_where=text("credit_overdue_at IS NOT NULL"),
            sqlite_where=text("credit_overdue_at IS NOT NULL"),
        ),
        # Months' counts of closed hazards (bulletins, assessment); open ones have none.
        Index(
            "ix_hazards_closed_at",
            "closed_at",
            postgresql_where=text("closed_at IS NOT NULL"),
            sqlite_where=text("closed_at IS NOT NULL"),
        ),
    )


class HazardDecision(Base):
    """An enforcement step waiting for its approvers (双人执法, collective determination)."""

    __tablename__ = "hazard_decisions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    hazard_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hazards.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    approvers: Mapped[list[str]] = mapped_column(JSON)  # user ids, in order
    required: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HazardPhoto(Base):
    """A photo of a hazard: before (as found) or after (rectified). The file is stored by its
    sha256 (backend.core.media); evidence flags warn, never reject."""

    __tablename__ = "hazard_photos"

    hazard_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hazards.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # before | after
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    photo_lng: Mapped[float | None] = mapped_column(Float)
    photo_lat: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list[str]] = mapped_column(JSON)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HazardExtensionRequest(Base):
    """A unit's request for more time to rectify (延期整改申请), with its reason, and staff's
    decision: granted (the deadline moved by `granted_days`) or refused. At most one is
    pending per hazard (hazards.extensions)."""

    __tablename__ = "hazard_extension_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    hazard_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hazards.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(Text)
    days: Mapped[int] = mapped_column(Integer)  # calendar days asked for
    deadline_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    granted_days: Mapped[int | None] = mapped_column(Integer)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    deadline_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
