"""Who hears of a hazard: whose queue it lands in at each level, and which step pushes to
whom (the reporter hears the outcome, the grid hears orders, the level holding it hears what
waits for it). Pushes go through the outbox, in the step's own transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.texts_zh import TERMS
from backend.identity.enums import Role
from backend.notify import service as notify
from grids import workforce
from grids.models import GridAssignment
from hazards.enums import EscalationLevel, HazardAction
from hazards.models import Hazard

LEVEL_ROLES = {
    EscalationLevel.VILLAGE: (Role.GRID_LEADER, 2),  # (role, depth of its area in the path)
    EscalationLevel.TOWNSHIP: (Role.STATION_STAFF, 1),
    EscalationLevel.COUNTY: (Role.BRIGADE_STAFF, 0),
    EscalationLevel.GOVERNMENT: (Role.BRIGADE_STAFF, 0),  # the brigade runs the listing
}


def level_holders(session: Session, hazard: Hazard, level: EscalationLevel) -> list[uuid.UUID]:
    """The people whose queue a hazard lands in at a level: its grid's workers, the village's
    grid leaders, the township's station staff, the county's brigade staff."""
    if level is EscalationLevel.GRID:
        if hazard.area_id is None:
            return []
        return list(
            session.scalars(
                select(GridAssignment.user_id).where(GridAssignment.area_id == hazard.area_id)
            )
        )
    role, depth = LEVEL_ROLES[level]
    return workforce.staff_placed_at(session, hazard.area_path, role, depth)


class Audience(StrEnum):
    REPORTER = "reporter"  # whoever reported it (a citizen follows their report)
    GRID = "grid"  # the grid's workers, who follow the unit up
    HOLDERS = "holders"  # whoever holds it at its current level
    COUNTY = "county"  # the county brigade


@dataclass(frozen=True)
class Announcement:
    audience: Audience
    title: str


ANNOUNCEMENTS: dict[HazardAction, Announcement] = {
    HazardAction.CONFIRM: Announcement(Audience.REPORTER, "您报告的隐患已确认"),
    HazardAction.REJECT: Announcement(Audience.REPORTER, "您报告的隐患经核查不属实"),
    HazardAction.MARK_DUPLICATE: Announcement(Audience.REPORTER, "您报告的隐患已合并处理"),
    HazardAction.RECTIFY_ON_SPOT: Announcement(Audience.REPORTER, "隐患已当场整改"),
    HazardAction.VERIFY: Announcement(Audience.REPORTER, "隐患已整改销号"),
    HazardAction.DELIST: Announcement(Audience.REPORTER, "重大隐患已摘牌"),
    HazardAction.ORDER_RECTIFICATION: Announcement(Audience.GRID, "责令整改通知已下达"),
    HazardAction.FAIL_VERIFICATION: Announcement(Audience.GRID, "复查不合格，已重新限期整改"),
    HazardAction.SUBMIT_RECTIFICATION: Announcement(Audience.HOLDERS, "单位已提交整改，请复查"),
    HazardAction.SUSPECT_MAJOR: Announcement(Audience.COUNTY, "疑似重大火灾隐患，请认定"),
}


def announce(
    session: Session, hazard: Hazard, action: HazardAction, actor_id: uuid.UUID | None
) -> int:
    """Queue the push a step sends (nobody is told of their own step)."""
    announcement = ANNOUNCEMENTS.get(action)
    if announcement is None:
        return 0
    people = [p for p in _audience(session, hazard, announcement.audience) if p != actor_id]
    data = {"hazard_id": str(hazard.id), "kind": f"hazard.{action.value}", "state": hazard.state}
    if hazard.rectification_deadline is not None:
        data["deadline"] = hazard.rectification_deadline.isoformat()
    return notify.push(session, people, announcement.title, _summary(hazard), data)


def announce_report(session: Session, hazard: Hazard, reporter_id: uuid.UUID | None) -> int:
    """A new report lands in its grid's queue: its workers hear of it (the reporter need not)."""
    people = [
        p for p in level_holders(session, hazard, EscalationLevel(hazard.level)) if p != reporter_id
    ]
    return notify.push(
        session,
        people,
        "网格内新报隐患",
        _summary(hazard),
        {"hazard_id": str(hazard.id), "kind": "hazard.reported", "state": hazard.state},
    )


def report_messages(
    session: Session, hazards: list[dict], reporter_id: uuid.UUID | None
) -> list[tuple[uuid.UUID, str, str, dict[str, str]]]:
    """`announce_report` for a batch of new hazards (rows about to be inserted), as messages
    for `notify.push_many`: one query for the grids' workers, made before the batch writes
    anything."""
    areas = {h["area_id"] for h in hazards if h["area_id"] is not None}
    workers: dict[uuid.UUID, list[uuid.UUID]] = {}
    if areas:
        for area_id, user_id in session.execute(
            select(GridAssignment.area_id, GridAssignment.user_id).where(
                GridAssignment.area_id.in_(areas)
            )
        ):
            workers.setdefault(area_id, []).append(user_id)
    return [
        (
            person,
            "网格内新报隐患",
            summary_of(h["description"], h["category"]),
            {"hazard_id": str(h["id"]), "kind": "hazard.reported", "state": h["state"]},
        )
        for h in hazards
        for person in dict.fromkeys(workers.get(h["area_id"], []))
        if person != reporter_id
    ]


def _audience(session: Session, hazard: Hazard, audience: Audience) -> list[uuid.UUID]:
    if audience is Audience.REPORTER:
        return [hazard.reporter_id] if hazard.reporter_id else []
    if audience is Audience.GRID:
        return level_holders(session, hazard, EscalationLevel.GRID)
    if audience is Audience.COUNTY:
        return level_holders(session, hazard, EscalationLevel.COUNTY)
    return level_holders(session, hazard, EscalationLevel(hazard.level))


def _summary(hazard: Hazard) -> str:
    return summary_of(hazard.description, hazard.category)


def summary_of(description: str, category: str) -> str:
    """A push's body: the start of the description and the category in Chinese words."""
    return f"{description[:60]}（{TERMS['hazard_category'].get(category, category)}）"
