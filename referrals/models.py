from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class Referral(Base):
    """A hazard, complaint and/or unit referred to another department (抄告 or 移送), with what
    was found, the hazard's photos chosen (by sha256), the legal basis, the reply's deadline and
    the department's reply. Scoped by the area path of what it refers (the hazard's, else the
    complaint's, else the unit's)."""

    __tablename__ = "referrals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(32))  # FIREGRID_REFERRAL_DEPARTMENTS' key
    department_name: Mapped[str] = mapped_column(String(50))  # as it was called when sent
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="SET NULL"), index=True
    )
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("complaints.id", ondelete="SET NULL"), index=True
    )
    unit_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    area_path: Mapped[str] = mapped_column(String(255))
    finding: Mapped[str] = mapped_column(Text)  # what was found
    legal_basis: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[str]] = mapped_column(JSON)  # sha256 of the hazard's photos sent
    sent_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_on: Mapped[date | None] = mapped_column(Date)  # the date the department gives
    reply_by: Mapped[str | None] = mapped_column(String(100))  # who answered, at the department
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_entered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )  # staff entering a paper reply, or the department's partner account
    reply_channel: Mapped[str | None] = mapped_column(String(16))  # "partner" | "paper"
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index(
            "ix_referrals_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
        Index("ix_referrals_state_due_at", "state", "due_at"),
    )
