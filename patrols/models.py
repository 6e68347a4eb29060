"""Checklists, patrol tasks, visits with their answers, and track points.

Server-owned rows that phones sync (checklists, tasks) and device-owned rows (visits, answers,
track points) carry `change_seq`, stamped by the change clock's triggers like every synced
table (decision 0008).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChangeStamped, UTCDateTime, utcnow
from backend.core.ids import new_id


class Checklist(ChangeStamped, Base):
    """One version of a checklist 巡查内容. A new version is a new row with the same code; a
    task keeps the version it was given, so answers always match their questions."""

    __tablename__ = "checklists"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    premises_type: Mapped[str | None] = mapped_column(String(32))  # None: any premises
    # [{"key", "text", "hazard_category"}], in the order asked
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("uq_checklists_code_version", "code", "version", unique=True),)


class PatrolTask(ChangeStamped, Base):
    """A premises (or a point) to visit by a due time, for a worker or, when no worker is on
    duty, for the grid's station to hand out."""

    __tablename__ = "patrol_tasks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    # What made it, unique: "plan:2026-12:<premises>", "campaign:<id>:<premises>"; None for
    # ad-hoc tasks. Generating a period twice finds its keys taken and adds nothing.
    source_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    period: Mapped[str | None] = mapped_column(String(7))  # "2026-12" for plan tasks
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("patrol_campaigns.id", ondelete="CASCADE"), index=True
    )
    premises_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE"), index=True
    )
    lng: Mapped[float] = mapped_column(Float)  # WGS-84: the premises' pin, or the point
    lat: Mapped[float] = mapped_column(Float)
    area_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("areas.id", ondelete="SET NULL"), index=True
    )
    area_path: Mapped[str] = mapped_column(String(255), index=True)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    checklist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklists.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(16), default="open")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_visit_id: Mapped[uuid.UUID | None] = mapped_column()
    level: Mapped[int] = mapped_column(Integer, default=0)
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None once closed
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_patrol_tasks_open_escalate_at", "state", "escalate_at"),)


class TaskRelease(ChangeStamped, Base):
    """A task taken from a worker (reassigned): their phones drop it on the next pull."""

    __tablename__ = "patrol_task_releases"

    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patrol_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_patrol_task_releases_user_seq", "user_id", "change_seq"),)


class PatrolCampaign(Base):
    """专项整治: tasks for every matching premises in an area over a date window."""

    __tablename__ = "patrol_campaigns"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    premises_types: Mapped[list[str]] = mapped_column(JSON)  # [] = every type
    starts_on: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checklist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklists.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(ChangeStamped, Base):
    """A worker at a premises: check-in (where the phone says it was), answers, check-out.
    Made on the phone, offline; a check-in that does not prove presence is kept and flagged."""

    __tablename__ = "patrol_visits"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the phone's
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("patrol_tasks.id", ondelete="SET NULL"), index=True
    )
    premises_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL"), index=True
    )
    checklist_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("checklists.id"))
    area_path: Mapped[str] = mapped_column(String(255), default="")
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    check_in_lng: Mapped[float | None] = mapped_column(Float)  # WGS-84
    check_in_lat: Mapped[float | None] = mapped_column(Float)
    raw_lng: Mapped[float | None] = mapped_column(Float)
    raw_lat: Mapped[float | None] = mapped_column(Float)
    raw_crs: Mapped[str | None] = mapped_column(String(8))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)  # from the premises or the point
    allowed_m: Mapped[float | None] = mapped_column(Float)  # the geofence it was held to
    check_in_valid: Mapped[bool] = mapped_column(Boolean, default=False)
    check_in_flag: Mapped[str | None] = mapped_column(String(32))
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VisitAnswer(ChangeStamped, Base):
    """One checklist item answered in a visit. A failed item's id is the id of the hazard it
    reports, so the phone can attach photos to that hazard before it ever syncs."""

    __tablename__ = "patrol_answers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the phone's
    visit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patrol_visits.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="SET NULL"), index=True
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrackPoint(Base):
    """Where the worker's phone was while patrolling, uploaded in batches through sync."""

    __tablename__ = "patrol_track_points"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the phone's
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    visit_id: Mapped[uuid.UUID | None] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lng: Mapped[float] = mapped_column(Float)  # WGS-84
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)

    # Not synced back to phones (a day's track is thousands of points): no change_seq.
    __table_args__ = (Index("ix_patrol_track_points_user_time", "user_id", "recorded_at"),)


class WorkPrompt(ChangeStamped, Base):
    """工作提示: a text the dispatch centre sends to everyone patrolling an area (before a
    festival, after a serious fire); read receipts show who has not read it."""

    __tablename__ = "work_prompts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str] = mapped_column(String(255), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PromptRead(Base):
    """A read receipt: first reading only."""

    __tablename__ = "work_prompt_reads"

    prompt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("work_prompts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
