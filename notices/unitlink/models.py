from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class UnitLink(Base):
    """A link texted to a unit's person to serve a notice (送达) and open the unit's page.
    Only the keyed digest of its token is kept (the token itself is in the text alone); it is
    good until `expires_at`, which a newer link for the same notice brings forward to its own
    sending. Who it was texted to is the role (the person's phone stays with grids.units)."""

    __tablename__ = "unit_links"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), index=True
    )
    notice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), index=True
    )
    person_role: Mapped[str] = mapped_column(String(16))  # grids.units.enums.PersonRole
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first opened
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # receipt confirmed
