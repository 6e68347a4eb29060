from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class Measure(Base):
    """A measure 提醒/约谈/告诫/曝光 taken against a unit (`units`), on a day, at a place, by one
    or two certified officers, with who attended on the unit's side (names and roles only),
    what was said or found, the outcome, the hazards it is about, and its signed record (a PDF
    or a photo, kept by content hash in the media store). Who sees it is who sees its unit.

    An exposure keeps the text it publishes (`public_findings`: personal numbers and the names
    the record knows masked), written once when it is recorded; withdrawing it takes it off the
    public pages and leaves it on the unit's record."""

    __tablename__ = "measures"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="recorded")
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    premises_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL")
    )
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{name, role}]
    findings: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")
    hazard_ids: Mapped[list[str]] = mapped_column(JSON)
    follows_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("measures.id", ondelete="SET NULL")
    )
    officer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    second_officer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    public_findings: Mapped[str | None] = mapped_column(Text)  # an exposure's published text
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_mime: Mapped[str | None] = mapped_column(String(32))
    document_size: Mapped[int | None] = mapped_column(Integer)
    document_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_measures_unit_id", "unit_id", "held_on"),
        Index("ix_measures_kind_state", "kind", "state", "held_on"),
    )
