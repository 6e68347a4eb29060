from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class Commitment(Base):
    """告知承诺: a public gathering place opened on a signed commitment that it meets the fire
    safety requirements (Chongqing §2), to be spot-checked. Who signed it (a name and a role,
    no phone: the unit's persons are `grids.units`), on which day, what it covers (area, use),
    and what the check found. Who sees it is who sees its premises.

    At most one commitment of a premises is `committed` at a time (a partial unique index):
    the random draw's commitment group takes that one."""

    __tablename__ = "commitments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    premises_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="committed")
    committed_on: Mapped[date] = mapped_column(Date)
    signatory_name: Mapped[str] = mapped_column(String(50))
    signatory_role: Mapped[str] = mapped_column(String(50))  # e.g. 法定代表人
    scope: Mapped[str] = mapped_column(Text)  # what it covers: area, floors, use
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result_note: Mapped[str | None] = mapped_column(Text)  # what the check found, or why withdrawn
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index(
            "uq_commitments_open_per_premises",
            "premises_id",
            unique=True,
            sqlite_where=text("state = 'committed'"),
            postgresql_where=text("state = 'committed'"),
        ),
    )


class CommitmentDocument(Base):
    """A file of the commitment: the signed form as a PDF, or a photo of it (or of a page of
    it), kept by content hash in the media store (backend.core.documents)."""

    __tablename__ = "commitment_documents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    commitment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE")
    )
    sha256: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("commitment_id", "sha256", name="uq_commitment_documents_sha256"),
    )
