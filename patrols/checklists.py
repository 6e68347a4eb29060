"""Checklists 巡查内容: the built-in defaults per premises type and the versions a county
publishes. A task carries the version it was given. No web imports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.errors import InvalidInput
from backend.core.ids import new_id
from backend.identity.permissions import Permission, demand, may
from backend.identity.service import Principal
from patrols import rules
from patrols.models import Checklist


def default_checklist(session: Session, premises_type: str | None) -> Checklist:
    """The current version of the checklist for a premises type: its own if one was published,
    else the general one; the built-in defaults are written the first time they are needed."""
    codes = [f"default.{premises_type}", "default"] if premises_type else ["default"]
    found = {
        c.code: c
        for c in session.scalars(
            select(Checklist)
            .where(Checklist.code.in_(codes), Checklist.active.is_(True))
            .order_by(Checklist.version)
        )
    }
    for code in codes:
        if code in found:
            return found[code]
    own = premises_type if premises_type in rules.TYPE_OMITS else None  # else the general one
    checklist = Checklist(
        id=new_id(),
        code=f"default.{own}" if own else "default",
        version=1,
        title="消防安全网格巡查内容" + (f"（{own}）" if own else ""),
        premises_type=own,
        items=[
            {"key": i.key, "text": i.text, "hazard_category": i.hazard_category.value}
            for i in rules.default_items(own)
        ],
    )
    session.add(checklist)
    session.flush()
    return checklist


def publish_checklist(
    session: Session,
    principal: Principal,
    *,
    code: str,
    title: str,
    premises_type: str | None,
    items: list[dict[str, Any]],
) -> Checklist:
    """A new version of a checklist; the old one stays for the tasks that carry it."""
    demand(principal.role, Permission.PUBLISH_CHECKLISTS, "do this")
    keys = [item["key"] for item in items]
    if len(set(keys)) != len(keys):
        raise InvalidInput("item keys must be unique within a checklist", field="items")
    latest = session.scalar(
        select(Checklist).where(Checklist.code == code).order_by(Checklist.version.desc())
    )
    session.execute(update(Checklist).where(Checklist.code == code).values(active=False))
    checklist = Checklist(
        id=new_id(),
        code=code,
        version=(latest.version + 1) if latest else 1,
        title=title,
        premises_type=premises_type,
        items=items,
    )
    session.add(checklist)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="checklist.published",
        subject_type="checklist",
        subject_id=checklist.id,
        after={"code": code, "version": checklist.version, "items": keys},
    )
    return checklist


def current(session: Session, principal: Principal) -> list[Checklist]:
    """The current version of every checklist, for anyone who patrols or plans."""
    if not may(principal.role, Permission.WORK_IN_THE_FIELD):
        demand(principal.role, Permission.PLAN_PATROLS, "do this")
    return list(
        session.scalars(
            select(Checklist).where(Checklist.active.is_(True)).order_by(Checklist.code)
        )
    )
