from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32), index=True)
    # The one area a staff user acts in (with its descendants). Grid workers act in the grids
    # assigned to them (grids.models.GridAssignment) instead.
    scope_area_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 持证: enforcement steps need a certificate valid on the day.
    certificate_number: Mapped[str | None] = mapped_column(String(64))
    certificate_expires_on: Mapped[date | None] = mapped_column(Date)
    # A mobile number for texts (SMS to on-call staff, and messages nobody read in time); shown
    # only masked (backend.core.privacy.mask_phone).
    phone: Mapped[str | None] = mapped_column(String(20))
    # Carried in access tokens; raising it refuses every token issued before ("sign out
    # everywhere") without a clock comparison.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    # Set by an administrator's reset (someone else saw the temporary password): until the
    # user chooses their own, their tokens open nothing but /me and the password change.
    password_change_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RefreshToken(Base):
    """One refresh token. Tokens of one sign-in share a family; using a token a second time
    means it was copied, and revokes the whole family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The token this one was exchanged for, and that answer (the new pair) sealed with
    # FIREGRID_SECRET_KEY, kept only for the reuse grace window: a phone that lost the answer
    # and sends this token again gets the same pair (decision 0020). Cleared after the window.
    rotated_to_id: Mapped[uuid.UUID | None] = mapped_column()
    sealed_answer: Mapped[str | None] = mapped_column(String(2048))

    __table_args__ = (
        # The worker's clean-up reads only the tokens still holding an answer.
        Index(
            "ix_refresh_tokens_answer_used_at",
            "used_at",
            postgresql_where=text("sealed_answer IS NOT NULL"),
            sqlite_where=text("sealed_answer IS NOT NULL"),
        ),
    )


class LoginThrottle(Base):
    """Failed sign-ins per username (known or not), so guessing is slowed, then locked."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IntegrationKey(Base):
    """A partner system's signing key. The secret is sealed with FIREGRID_SECRET_KEY because
    HMAC needs it back in clear to verify."""

    __tablename__ = "integration_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sealed_secret: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IntegrationNonce(Base):
    """Nonces seen within the clock-skew window; a second use is a replay."""

    __tablename__ = "integration_nonces"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
