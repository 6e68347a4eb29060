from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChangeStamped, UTCDateTime, utcnow
from backend.core.ids import new_id


class NoticeCounter(Base):
    """The last number given in one series (an issuing county's kind of notice) and year. An
    issue increments it in its own transaction (an UPDATE holds the row until commit), so two
    orders at once get consecutive numbers and a rolled-back issue leaves no gap."""

    __tablename__ = "notice_counters"

    series: Mapped[str] = mapped_column(String(80), primary_key=True)  # "<county code>/<kind>"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)  # Beijing-time year of issue
    last: Mapped[int] = mapped_column(Integer, default=0)


class Notice(ChangeStamped, Base):
    """One notice as issued: its number, what it is about, where its PDF is kept (the media
    store, by sha256, which the audit log also holds) and how it was served. Its history is
    the audit log (subject "notice"; the hazard's timeline has each step too). Change-stamped:
    phones pull the notices they have to serve (offline_sync's `notices_to_serve`)."""

    __tablename__ = "notices"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(24))
    series: Mapped[str] = mapped_column(String(80))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    # 穗消限字〔2026〕第0007号: unique within its series; two counties of one deployment
    # sharing a prefix may print the same number (each county's series is its own).
    number: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="issued")
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="SET NULL"), index=True
    )
    assignment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inspection_assignments.id", ondelete="SET NULL"), index=True
    )
    premises_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL"), index=True
    )
    area_path: Mapped[str] = mapped_column(String(255), index=True)  # the hazard's or premises'
    issuer: Mapped[str] = mapped_column(String(60))
    unit_name: Mapped[str] = mapped_column(String(200))  # as printed
    unit_address: Mapped[str] = mapped_column(String(300))
    period_days: Mapped[int | None] = mapped_column(Integer)  # N of 自送达之日起N日内改正
    period_working: Mapped[bool] = mapped_column(Boolean, default=False)  # N working days
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    served_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    service_method: Mapped[str | None] = mapped_column(String(16))
    # The receipt's photo or the signature (the media store, by sha256, as hazard photos are).
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_mime: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("series", "year", "seq", name="uq_notices_series_year_seq"),)


class NoticeSignature(ChangeStamped, Base):
    """A signature taken on a worker's phone to serve a notice on site, synced: who signed, in
    what role, when (the phone's clock), and the PNG's sha256 and size, whose bytes come by
    the tus upload keyed by this id (as a hazard photo's do). Kept whatever became of it
    (`state`, `reason`: notices.enums.SignatureState), so that a signature is never lost."""

    __tablename__ = "notice_signatures"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the device's; the upload's key
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    notice_id: Mapped[uuid.UUID] = mapped_column(index=True)  # not a foreign key: may be unknown
    signer_name: Mapped[str] = mapped_column(String(100))
    signer_role: Mapped[str] = mapped_column(String(16))  # responsible | manager | other
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # on the phone
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its PNG came and was judged
