from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChangeStamped, UTCDateTime, utcnow


class DeviceAction(ChangeStamped, Base):
    """A lifecycle step a device asked for while offline (e.g. `submit_rectification`), with
    its own id, and what the server made of it."""

    __tablename__ = "device_actions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the device's
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    hazard_id: Mapped[uuid.UUID] = mapped_column(index=True)  # not a foreign key: may be unknown
    action: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    device_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeviceComplaintAction(ChangeStamped, Base):
    """A complaint step a worker took on the phone (sign, verify, reply, return, ask for more
    time), with its own id, and what the server made of it."""

    __tablename__ = "device_complaint_actions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the device's
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    complaint_id: Mapped[uuid.UUID] = mapped_column(index=True)  # not a foreign key: may be unknown
    action: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    device_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HiddenRecord(ChangeStamped, Base):
    """A device-owned record its user deleted on a device: the domain record stays (a report
    once sent is a hazard), but the user's devices drop it and never get it back."""

    __tablename__ = "sync_hidden_records"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    table_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    change_seq_indexed = False  # (user_id, change_seq) is indexed below

    __table_args__ = (Index("ix_sync_hidden_user_seq", "user_id", "change_seq"),)


class DevicePhoto(ChangeStamped, Base):
    """A photo a device declared for a hazard (its uuid, sha256 and size), and whether its
    bytes have arrived through the resumable upload and been stored."""

    __tablename__ = "device_photos"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the device's photo uuid
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # What it shows: a hazard, or a complaint being verified on site (one of the two).
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))  # before | after
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending | stored | refused
    reason: Mapped[str | None] = mapped_column(Text)


class Upload(Base):
    """A tus upload in progress: the bytes so far wait in the photo store, one object per
    request that brought some (offline_sync.upload_parts, decision 0045)."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    photo_id: Mapped[uuid.UUID] = mapped_column(index=True)
    # A citizen's upload from the citizens' page: the complaint whose upload token started it
    # (user_id is then the page's own client); None for a device's.
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    length: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    offset: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    state: Mapped[str] = mapped_column(String(16))  # receiving | complete
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The parts holding the bytes so far, in order: "start-end-tag," each (upload_parts).
    parts: Mapped[str] = mapped_column(Text, default="", server_default="")
