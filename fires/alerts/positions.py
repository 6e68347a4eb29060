"""Workers' last positions, kept for the nearest-first choice of 一键报警 and for nothing else
(decision 0055): one row per on-duty worker, replaced by each report, never a track; removed
when they report while off duty or on leave, and by the worker's pass once stale. Not in
the audit log, which is append-only and would become the track this refuses to keep."""

from __future__ import annotations

from datetime import datetime, timedelta

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.core.db import utcnow
from backend.core.localtime import today
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from fires.alerts.models import WorkerPosition
from grids import workforce
from grids.crs import to_wgs84
from grids.enums import Crs, DutyStatus
from grids.models import WorkerDuty


def report(
    session: Session,
    principal: Principal,
    lng: float,
    lat: float,
    accuracy_m: float | None,
    crs: Crs,
    at: datetime | None = None,
) -> bool:
    """Keep the caller's position as their last one, if they are on duty today; whether it was
    kept (off duty or on leave: any position kept before is forgotten instead)."""
    demand(principal.role, Permission.RAISE_FIRE_ALERTS, "report a position")
    if not workforce.duty_of(session, principal.user_id).available_on(today()):
        session.execute(delete(WorkerPosition).where(WorkerPosition.user_id == principal.user_id))
        return False
    keep(session, principal.user_id, lng, lat, accuracy_m, crs, at)
    return True


def keep(session, user_id, lng, lat, accuracy_m, crs: Crs, at: datetime | None = None) -> None:
    x, y = to_wgs84(lng, lat, crs)
    row = session.get(WorkerPosition, user_id) or WorkerPosition(user_id=user_id)
    row.lng, row.lat, row.accuracy_m = x, y, accuracy_m
    row.location = from_shape(Point(x, y), srid=4326)
    row.reported_at = min(at or utcnow(), utcnow())  # a phone's clock ahead is not believed
    session.add(row)
    session.flush()


def fresh_position(
    session: Session, user_id, settings: Settings
) -> tuple[float, float, float | None] | None:
    row = session.get(WorkerPosition, user_id)
    if row is None or row.reported_at < utcnow() - timedelta(
        minutes=settings.fire_alert_position_max_age_minutes
    ):
        return None
    return row.lng, row.lat, row.accuracy_m


def forget_stale(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Worker job: forget positions older than FIREGRID_FIRE_ALERT_POSITION_MAX_AGE_MINUTES
    and those of workers now off duty or on leave today."""
    now = now or utcnow()
    since = now - timedelta(minutes=settings.fire_alert_position_max_age_minutes)
    day = today()
    stale = session.execute(delete(WorkerPosition).where(WorkerPosition.reported_at < since))
    away = [
        user_id
        for user_id, status, leave_from, leave_until in session.execute(
            select(
                WorkerDuty.user_id, WorkerDuty.status, WorkerDuty.leave_from, WorkerDuty.leave_until
            ).join(WorkerPosition, WorkerPosition.user_id == WorkerDuty.user_id)
        )
        if not workforce.Duty(DutyStatus(status), leave_from, leave_until).available_on(day)
    ]
    if away:
        session.execute(delete(WorkerPosition).where(WorkerPosition.user_id.in_(away)))
    return (stale.rowcount or 0) + len(away)
