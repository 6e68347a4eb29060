from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChangeStamped, UTCDateTime, utcnow
from backend.core.ids import new_id

if TYPE_CHECKING:
    from backend.core.media import Photo


class Complaint(ChangeStamped, Base):
    """A complaint and where it stands. Its history is the audit log (subject "complaint"); the
    caller's name and phone live apart, in `ComplaintCaller`."""

    __tablename__ = "complaints"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )  # the integration client that sent it: its callbacks go there
    intake_digest: Mapped[str] = mapped_column(String(64))  # sha256 of the intake as sent
    kind: Mapped[str] = mapped_column(String(16))  # ComplaintType
    text: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(32))  # a HazardCategory, when known
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # exits, fire facilities: 24 h
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hotline_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where it is: WGS-84 when located (raw input kept), and where routing put it.
    lng: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    location: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=True, nullable=True)
    )
    raw_lng: Mapped[float | None] = mapped_column(Float)
    raw_lat: Mapped[float | None] = mapped_column(Float)
    raw_crs: Mapped[str | None] = mapped_column(String(8))
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    area_path: Mapped[str] = mapped_column(String(255))  # grid, else township, else the partner's
    route_status: Mapped[str] = mapped_column(String(24))  # grids.RouteStatus, or "address"/"none"
    # Who has it, and the lifecycle.
    state: Mapped[str] = mapped_column(String(16), index=True)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verify_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reply_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finding: Mapped[str | None] = mapped_column(String(24))
    verification_note: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(Text)  # the last 退单's reason
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="SET NULL"), index=True
    )
    # Overdue handling: the stage whose deadline runs, whether the worker was reminded of it
    # (催办), how far up it has been escalated, and the sweep's key (None: nothing to do).
    stage: Mapped[str | None] = mapped_column(String(8))
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    alarm_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_complaints_channel_external_id"),
        Index(
            "ix_complaints_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
        Index("ix_complaints_alarm_at", "alarm_at"),
        Index("ix_complaints_received_at", "received_at"),
    )


class ComplaintCaller(Base):
    """Who called: sealed (Fernet, keyed by the service secret), shown masked. The phone's keyed
    digest finds repeat callers and the reward exclusion register without decrypting."""

    __tablename__ = "complaint_callers"

    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    sealed_name: Mapped[str | None] = mapped_column(Text)
    sealed_phone: Mapped[str | None] = mapped_column(Text)
    masked_phone: Mapped[str | None] = mapped_column(String(32))
    phone_digest: Mapped[str | None] = mapped_column(String(64), index=True)


class ComplaintExtension(Base):
    """An extension 延期 of the running deadline, asked before it passes, decided by staff."""

    __tablename__ = "complaint_extensions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(8))
    working_days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class ComplaintRelease(ChangeStamped, Base):
    """A complaint taken from a worker (returned, or dispatched to someone else): their phones
    drop it at the next pull."""

    __tablename__ = "complaint_releases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    change_seq_indexed = False  # (user_id, change_seq) is indexed below

    __table_args__ = (Index("ix_complaint_releases_user_seq", "user_id", "change_seq"),)


class ComplaintPhoto(Base):
    """A photo taken while verifying on site; stored by sha256 (backend.core.media)."""

    __tablename__ = "complaint_photos"

    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    photo_lng: Mapped[float | None] = mapped_column(Float)
    photo_lat: Mapped[float | None] = mapped_column(Float)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(8), default="site")  # complaints.enums.PhotoKind

    @classmethod
    def of(
        cls,
        complaint_id: uuid.UUID,
        photo: Photo,
        *,
        kind: str,
        uploaded_by: uuid.UUID | None,
        uploaded_at: datetime | None = None,
    ) -> ComplaintPhoto:
        """The row of a processed photo (backend.core.media) kept with a complaint."""
        return cls(
            complaint_id=complaint_id,
            sha256=photo.sha256,
            mime=photo.mime,
            size=photo.size,
            width=photo.width,
            height=photo.height,
            taken_at=photo.taken_at,
            photo_lng=photo.lng,
            photo_lat=photo.lat,
            uploaded_by=uploaded_by,
            uploaded_at=uploaded_at or utcnow(),
            kind=kind,
        )


class CitizenReport(Base):
    """What the reporter of a report from the citizens' page holds, kept apart from the case:
    the follow code (only its digest), the upload token for the report's photos (its digest
    and expiry), the stages they asked to be told of, and the one "not fixed" they may say
    after closure. Their phone, if given, is the complaint's sealed `ComplaintCaller`."""

    __tablename__ = "citizen_reports"

    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    follow_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The page's Idempotency-Key for the POST (a retry on a bad connection answers this report
    # again; its unique index makes two identical requests at once take one) and the digest
    # of the body sent with it (another body under the same key is refused).
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    upload_digest: Mapped[str] = mapped_column(String(64), index=True)
    upload_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    wants: Mapped[list[str]] = mapped_column(JSON, default=list)  # stages to be told of
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CitizenPhoneCode(Base):
    """An SMS code sent to a phone to follow its reports without their follow codes: only the
    code's digest, when it expires and how many wrong tries it has had."""

    __tablename__ = "citizen_phone_codes"

    phone_digest: Mapped[str] = mapped_column(
        String(64), primary_key=True
    )  # backend.core.security.phone_digest
    code_digest: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class CitizenPhoneSession(Base):
    """A phone proven by its SMS code: the token's digest, good until it expires."""

    __tablename__ = "citizen_phone_sessions"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    phone_digest: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class CitizenPhoto(Base):
    """A photo the citizens' page declared (its id, sha256 and size) with a report or with a
    "not fixed"; its bytes come through tus and become a `ComplaintPhoto` of that kind."""

    __tablename__ = "citizen_photos"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # chosen by the page
    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # PhotoKind.REPORT | PhotoKind.DISPUTE
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # CitizenPhotoState
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HotlinePartner(Base):
    """Where a partner system wants to hear about its complaints, and the secret the callbacks
    are signed with (sealed; shown once when set). After a rotation the previous key signs as
    well, until `previous_until`, so the partner has time to install the new one."""

    __tablename__ = "hotline_partners"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    callback_url: Mapped[str] = mapped_column(String(500))
    key_id: Mapped[str] = mapped_column(String(64))
    sealed_secret: Mapped[str] = mapped_column(String(512))
    previous_key_id: Mapped[str | None] = mapped_column(String(64))
    previous_sealed_secret: Mapped[str | None] = mapped_column(String(512))
    previous_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class HotlineCallback(Base):
    """One status change to tell a hotline: written in the transaction that made it, delivered
    in order per complaint by the worker, retried with backoff, then dead-lettered."""

    __tablename__ = "hotline_callbacks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # order within the complaint
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("complaint_id", "seq", name="uq_hotline_callbacks_complaint_seq"),
        Index("ix_hotline_callbacks_status_next", "status", "next_attempt_at"),
    )


class ComplaintReward(Base):
    """举报奖励: the first real-name reporter of a confirmed hazard, with what staff decided."""

    __tablename__ = "complaint_rewards"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), unique=True
    )
    hazard_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hazards.id", ondelete="CASCADE"), unique=True
    )  # one reward per hazard: its first reporter's
    area_path: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), index=True)
    tier: Mapped[str] = mapped_column(String(16))  # the hazard's severity when it became eligible
    amount_yuan: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    paid_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RewardExclusion(Base):
    """A phone that may not be rewarded: fire staff and their close relatives (近亲属). Kept as
    the keyed digest only; the register says who declared it and why."""

    __tablename__ = "reward_exclusions"

    phone_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    masked_phone: Mapped[str] = mapped_column(String(32))
    relation: Mapped[str] = mapped_column(String(16))  # staff | relative
    note: Mapped[str] = mapped_column(Text)
    added_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Open311Key(Base):
    """An Open311 `api_key` for a citizen app: only its SHA-256 is kept. The app is an
    integration client (its scope bounds where its reports route; its complaints are its own)."""

    __tablename__ = "open311_keys"

    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Open311Idempotency(Base):
    """An `Idempotency-Key` an app sent with a report, per api_key: a retry with the same key
    and body is answered with the report taken first; the primary key makes two identical
    requests at once take one report. Forgotten after FIREGRID_OPEN311_IDEMPOTENCY_HOURS."""

    __tablename__ = "open311_idempotency_keys"

    key_digest: Mapped[str] = mapped_column(
        ForeignKey("open311_keys.key_digest", ondelete="CASCADE"), primary_key=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
