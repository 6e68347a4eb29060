"""The figures of a bulletin: one area's month counted in the database, never row by row in
Python (a county holds a hundred thousand hazards). Each figure is defined in
docs/bulletins.md; the comments here say which column decides it. No web imports."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from backend.core.localtime import LOCAL_TIME, local_iso
from backend.identity.enums import Role
from backend.identity.service import Principal
from bulletins.enums import TREND_MONTHS
from complaints.models import Complaint
from grids.enums import AreaLevel
from grids.models import Area
from grids.premises.models import Premises
from hazards.enums import EscalationLevel, HazardState, Severity
from hazards.models import Hazard
from patrols import assessment

# The figures of every area are the same whoever asks: the assessment is read as the system
# (everywhere), after the caller's own scope was checked for the bulletin's area.
_SYSTEM = Principal(
    user_id=uuid.UUID(int=0), username="bulletins", role=Role.ADMIN, scope_area_id=None
)
NO_PREMISES = "none"  # a hazard reported without naming a unit


def month_bounds(month: str, plus: int = 0) -> tuple[datetime, datetime]:
    """[start, end) of the Beijing-time month `plus` months after `month` (YYYY-MM)."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + plus

    def first_of(i: int) -> datetime:
        return datetime(i // 12, i % 12 + 1, 1, tzinfo=LOCAL_TIME)

    return first_of(index), first_of(index + 1)


def month_name(start: datetime) -> str:
    return f"{start.year:04d}-{start.month:02d}"


def _rate(on_time: int, late: int) -> float | None:
    total = on_time + late
    return round(on_time / total, 4) if total else None


def _count_if(condition):
    """How many rows of the group meet `condition` (0 for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _under(column, path: str):
    return column.startswith(path, autoescape=True)


def compute(session: Session, area: Area, month: str, now: datetime) -> dict[str, Any]:
    """Everything the bulletin shows, as JSON-ready values."""
    start, end = month_bounds(month)
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "month": month,
        "period": {"from": local_iso(start), "until": local_iso(end)},
        "as_of": local_iso(now),
        "hazards": _hazards(session, area.path, start, end),
        "complaints": _complaints(session, area.path, start, end),
        "assessment": _assessment(session, area, month),
        "trend": _trend(session, area.path, month),
    }


def _hazards(session: Session, path: str, start: datetime, end: datetime) -> dict[str, Any]:
    found_rows = session.execute(
        select(
            Hazard.source,
            Hazard.category,
            Premises.premises_type,
            Hazard.severity,
            Hazard.level,
            Hazard.is_open,
            func.count(),
        )
        .outerjoin(Premises, Premises.id == Hazard.premises_id)
        .where(
            _under(Hazard.area_path, path),
            Hazard.reported_at >= start,
            Hazard.reported_at < end,
            Hazard.state != HazardState.DUPLICATE.value,
        )
        .group_by(
            Hazard.source,
            Hazard.category,
            Premises.premises_type,
            Hazard.severity,
            Hazard.level,
            Hazard.is_open,
        )
    ).all()
    found = {"found": 0, "major": 0, "still_open": 0}
    by_source: dict[str, int] = {}
    by_category: dict[str, int] = {}
    by_premises_type: dict[str, int] = {}
    by_level = {level.name.lower(): 0 for level in EscalationLevel}
    for source, category, premises_type, severity, level, is_open, n in found_rows:
        found["found"] += n
        found["major"] += n if severity == Severity.MAJOR.value else 0
        found["still_open"] += n if is_open else 0
        by_source[source] = by_source.get(source, 0) + n
        by_category[category] = by_category.get(category, 0) + n
        premises_type = premises_type or NO_PREMISES
        by_premises_type[premises_type] = by_premises_type.get(premises_type, 0) + n
        name = EscalationLevel(level).name.lower()
        by_level[name] += n

    # Closed in the month (closed_at). A duplicate is neither found nor closed: the hazard it
    # repeats is. Rectified on time: closed by a passed re-check with no failed one, at or
    # before the rectification deadline of the order.
    ordered = and_(
        Hazard.state == HazardState.VERIFIED_CLOSED.value,
        Hazard.rectification_deadline.is_not(None),
    )
    on_time = and_(
        ordered, Hazard.failed_rechecks == 0, Hazard.closed_at <= Hazard.rectification_deadline
    )
    closed_rows = session.execute(
        select(Hazard.state, func.count(), _count_if(on_time), _count_if(ordered))
        .where(
            _under(Hazard.area_path, path),
            Hazard.is_open.is_(False),
            Hazard.state != HazardState.DUPLICATE.value,
            Hazard.closed_at >= start,
            Hazard.closed_at < end,
        )
        .group_by(Hazard.state)
    ).all()
    closed_by_state: dict[str, int] = {}
    rectified = {"on_time": 0, "late": 0}
    for state, n, in_time, after_order in closed_rows:
        closed_by_state[state] = n
        rectified["on_time"] += int(in_time)
        rectified["late"] += int(after_order) - int(in_time)

    # Listed for supervision (挂牌督办) and not yet delisted, when the bulletin is made.
    listed = {
        level: n
        for level, n in session.execute(
            select(Hazard.listing_level, func.count())
            .where(
                _under(Hazard.area_path, path),
                Hazard.listing_level.is_not(None),
                Hazard.is_open.is_(True),
            )
            .group_by(Hazard.listing_level)
        ).all()
    }
    return {
        **found,
        "by_source": by_source,
        "by_category": by_category,
        "by_premises_type": by_premises_type,
        "by_level": by_level,
        "escalated": sum(n for name, n in by_level.items() if name != "grid"),
        "closed": sum(closed_by_state.values()),
        "closed_by_state": closed_by_state,
        "rectified_on_time": rectified["on_time"],
        "rectified_late": rectified["late"],
        "rectification_on_time_rate": _rate(rectified["on_time"], rectified["late"]),
        "listed": listed,
        "listed_total": sum(listed.values()),
        "delisted": closed_by_state.get(HazardState.DELISTED.value, 0),
    }


def _complaints(session: Session, path: str, start: datetime, end: datetime) -> dict[str, Any]:
    def within(column):
        return and_(column >= start, column < end)

    replied = within(Complaint.replied_at)
    signed = within(Complaint.signed_at)
    row = session.execute(
        select(
            _count_if(within(Complaint.received_at)),
            _count_if(within(Complaint.closed_at)),
            _count_if(replied),
            _count_if(and_(replied, Complaint.replied_at <= Complaint.reply_due_at)),
            _count_if(signed),
            _count_if(and_(signed, Complaint.signed_at <= Complaint.sign_due_at)),
        ).where(_under(Complaint.area_path, path))
    ).one()
    received, closed, replied_n, replied_on_time, signed_n, signed_on_time = (int(v) for v in row)
    return {
        "received": received,
        "closed": closed,
        "replied": replied_n,
        "replied_on_time": replied_on_time,
        "on_time_rate": _rate(replied_on_time, replied_n - replied_on_time),
        "signed": signed_n,
        "signed_on_time": signed_on_time,
    }


def _assessment(session: Session, area: Area, month: str) -> dict[str, Any]:
    """The patrol assessment's month (patrols.assessment), summed for the area, with one line
    per area one level below it (a county's townships, a township's villages)."""
    workers, rollups = assessment.assess_month(session, _SYSTEM, area.code, month)
    fields = (
        "tasks_due",
        "tasks_done_on_time",
        "visits",
        "visits_with_valid_check_in",
        "hazards_found",
        "ordinary_closed_in_grid",
        "complaints",
        "complaints_replied_on_time",
    )
    totals = {f: sum(getattr(w, f) for w in workers) for f in fields}
    below = AreaLevel.TOWNSHIP.value if area.level == AreaLevel.COUNTY.value else "village"
    return {
        "workers": len(workers),
        **totals,
        "task_on_time_rate": _rate(
            totals["tasks_done_on_time"], totals["tasks_due"] - totals["tasks_done_on_time"]
        ),
        "distance_km": round(sum(w.distance_km for w in workers), 1),
        "areas": [
            {
                k: v
                for k, v in asdict(r).items()
                if k in ("area_code", "area_name", "workers", *fields)
            }
            for r in rollups
            if r.level == below
        ],
    }


def _trend(session: Session, path: str, month: str) -> list[dict[str, Any]]:
    """The month and the `TREND_MONTHS` before it, oldest first: one pass over each table,
    each month a conditional sum."""
    bounds = [month_bounds(month, -back) for back in range(TREND_MONTHS, -1, -1)]
    first, last = bounds[0][0], bounds[-1][1]

    def per_month(column, extra=None):
        return [
            func.coalesce(
                func.sum(
                    case(
                        (and_(column >= s, column < e, *(extra or [])), 1),
                        else_=0,
                    )
                ),
                0,
            )
            for s, e in bounds
        ]

    found = session.execute(
        select(*per_month(Hazard.reported_at)).where(
            _under(Hazard.area_path, path),
            Hazard.reported_at >= first,
            Hazard.reported_at < last,
            Hazard.state != HazardState.DUPLICATE.value,
        )
    ).one()
    closed = session.execute(
        select(*per_month(Hazard.closed_at)).where(
            _under(Hazard.area_path, path),
            Hazard.is_open.is_(False),
            Hazard.state != HazardState.DUPLICATE.value,
            Hazard.closed_at >= first,
            Hazard.closed_at < last,
        )
    ).one()
    received = session.execute(
        select(*per_month(Complaint.received_at)).where(
            _under(Complaint.area_path, path),
            Complaint.received_at >= first,
            Complaint.received_at < last,
        )
    ).one()
    replied_cols = per_month(Complaint.replied_at)
    on_time_cols = per_month(Complaint.replied_at, [Complaint.replied_at <= Complaint.reply_due_at])
    replied_row = session.execute(
        select(*replied_cols, *on_time_cols).where(
            _under(Complaint.area_path, path),
            Complaint.replied_at >= first,
            Complaint.replied_at < last,
        )
    ).one()
    n = len(bounds)
    out = []
    for i, (s, _) in enumerate(bounds):
        replied_n, on_time = int(replied_row[i]), int(replied_row[n + i])
        out.append(
            {
                "month": month_name(s),
                "found": int(found[i]),
                "closed": int(closed[i]),
                "complaints_received": int(received[i]),
                "complaints_on_time_rate": _rate(on_time, replied_n - on_time),
            }
        )
    return out
