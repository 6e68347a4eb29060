from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class Bulletin(Base):
    """One area's bulletin of one month: its figures (small, kept here as JSON) and where its
    rendered PDF and page images are kept (the media store, by content hash: the files are
    tens to hundreds of kilobytes each, which the database need not carry in every backup and
    row read). Made again on request: the row stays, its figures and files are replaced."""

    __tablename__ = "bulletins"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    area_code: Mapped[str] = mapped_column(String(32))
    area_name: Mapped[str] = mapped_column(String(100))
    area_level: Mapped[str] = mapped_column(String(16))
    area_path: Mapped[str] = mapped_column(String(255), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, a Beijing-time month
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size: Mapped[int] = mapped_column(Integer)
    page_sha256s: Mapped[list[str]] = mapped_column(JSON)  # one PNG per page, in order
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who asked for it; None: the worker, after the month ended.
    generated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)  # 1, then +1 each time remade

    __table_args__ = (UniqueConstraint("area_id", "month", name="uq_bulletins_area_month"),)
