"""一键报警: record a fire in progress and fan it out, nearest first (the decision, the
recipient rows and the queued messages, all in the caller's transaction: the worker's next
outbox pass sends them); read alerts in scope; acknowledgements; closing. No web imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.db import utcnow
from backend.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.localtime import LOCAL_TIME
from backend.core.security import seal
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, demand, may
from backend.identity.service import Principal
from backend.notify import service as notify
from backend.notify import texts
from backend.notify.enums import NotificationKind, SubjectType
from backend.notify.models import Device, Notification
from fires.alerts import nearest
from fires.alerts.enums import (
    AckChannel,
    AlertAction,
    AlertChannel,
    AlertState,
    RecipientKind,
)
from fires.alerts.lifecycle import ALERT_LIFECYCLE, AlertChangedMeanwhile, AlertNotOpen
from fires.alerts.models import AlertRecipient, FireAlert
from fires.alerts.schemas import AlertIn
from fires.stations import service as stations
from fires.stations.models import MicroStationMember
from grids import service as grids
from grids import workforce
from grids.crs import to_wgs84
from grids.enums import Crs
from grids.models import Area
from grids.premises.models import Premises
from grids.routing import ground_distance_m
from grids.scope import scope_of

ADVICE = "请立即拨打119报警！已通知附近的网格员、网格长、消防工作站和微型消防站，请注意自身安全。"
SMS_TEMPLATE = "fire_alert"  # a key of FIREGRID_SMS_TEMPLATE_CODES: ${place} ${distance} ${time}


class AlertIdTaken(Conflict):
    slug, title = "fire-alert-id-taken", "Another alert has this id"


class NotARecipient(Forbidden):
    slug, title = "fire-alert-not-recipient", "Only those alerted answer an alert"


# --- Raising ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    lng: float
    lat: float
    accuracy_m: float | None
    source: str  # gps | text | grid | position


def raise_alert(
    session: Session, principal: Principal, body: AlertIn, settings: Settings
) -> tuple[FireAlert, bool]:
    """一键报警 from the phone: the alert and whether this call created it (a retry of the
    same id by the same reporter answers the alert as first recorded)."""
    demand(principal.role, Permission.RAISE_FIRE_ALERTS, "raise fire alerts")
    existing = _existing(session, body.id, principal.user_id)
    if existing is not None:
        return existing, False
    x, y = to_wgs84(body.lng, body.lat, body.crs)
    try:
        with session.begin_nested():
            alert = record(
                session,
                principal.user_id,
                principal.actor,
                Place(x, y, body.accuracy_m, "gps"),
                body.note,
                AlertChannel.APP,
                settings,
                alert_id=body.id,
            )
    except IntegrityError:  # the same press arrived twice at once: the other one recorded it
        existing = _existing(session, body.id, principal.user_id)
        if existing is None:
            raise
        return existing, False
    return alert, True


def _existing(session: Session, alert_id: uuid.UUID, reporter_id: uuid.UUID) -> FireAlert | None:
    alert = session.get(FireAlert, alert_id)
    if alert is None:
        return None
    if alert.reporter_id != reporter_id:
        raise AlertIdTaken(f"the id {alert_id} is another alert's: make a new one")
    return alert


def record(
    session: Session,
    reporter_id: uuid.UUID,
    actor: audit.Actor,
    place: Place,
    note: str | None,
    channel: AlertChannel,
    settings: Settings,
    *,
    alert_id: uuid.UUID | None = None,
) -> FireAlert:
    """Record the alert where the point routes (refused outside the deployment), name the
    premises nearest it, and fan it out."""
    located, placement = grids.place_point(
        session, place.lng, place.lat, Crs.WGS84, settings.routing_snap_m
    )
    grids.refuse_unusable_point(place.lng, place.lat, placement)
    premises_id, premises_distance = _premises_near(
        session, place.lng, place.lat, settings.fire_alert_premises_within_m
    )
    alert = FireAlert(
        id=alert_id or new_id(),
        state=AlertState.OPEN.value,
        channel=channel.value,
        reporter_id=reporter_id,
        lng=place.lng,
        lat=place.lat,
        accuracy_m=place.accuracy_m,
        location=located["location"],
        place_source=place.source,
        area_id=placement.area_id,
        area_path=placement.area_path,
        grid_code=placement.grid.grid.code if placement.grid else None,
        premises_id=premises_id,
        premises_distance_m=premises_distance,
        note=note,
        reported_at=utcnow(),
        version=1,
    )
    session.add(alert)
    session.flush()
    recipients = fan_out(session, alert, placement, settings)
    audit.record(
        session,
        actor=actor,
        action="fire_alert.raised",
        subject_type="fire_alert",
        subject_id=alert.id,
        after={
            "channel": alert.channel,
            "lng": alert.lng,
            "lat": alert.lat,
            "place_source": alert.place_source,
            "area_path": alert.area_path,
            "premises_id": str(premises_id) if premises_id else None,
            "recipients": [
                {
                    "kind": r.kind,
                    "user_id": str(r.user_id) if r.user_id else None,
                    "station_id": str(r.station_id) if r.station_id else None,
                    "distance_m": r.distance_m,
                    "channels": r.channels,
                }
                for r in recipients
            ],
        },
        client_location=(alert.lng, alert.lat),
    )
    return alert


def _premises_near(
    session: Session, lng: float, lat: float, within_m: float
) -> tuple[uuid.UUID | None, float | None]:
    if within_m <= 0:
        return None, None
    min_x, min_y, max_x, max_y = nearest.box(lng, lat, within_m)
    rows = session.execute(
        select(Premises.id, Premises.lng, Premises.lat).where(
            Premises.archived.is_(False),
            Premises.lng.between(min_x, max_x),
            Premises.lat.between(min_y, max_y),
        )
    ).all()
    measured = sorted(
        (float(ground_distance_m(lng, lat, r.lng, r.lat)), str(r.id), r.id) for r in rows
    )
    if not measured or measured[0][0] > within_m:
        return None, None
    return measured[0][2], round(measured[0][0], 1)


# --- Fan-out -------------------------------------------------------------------------------------


@dataclass
class Choice:
    kind: RecipientKind
    name: str
    distance_m: float | None
    distance_from: str | None
    user_id: uuid.UUID | None = None
    station_id: uuid.UUID | None = None
    duty_phone: str | None = None
    members: tuple[uuid.UUID, ...] = ()


def choose(
    session: Session,
    alert: FireAlert,
    placement: grids.Placement | None,
    settings: Settings,
    now: datetime | None = None,
) -> list[Choice]:
    """Who is alerted, in order: the nearest on-duty workers and micro stations by distance,
    then the grid leader of the alert's grid, then the township station's staff. Nobody
    twice, never the reporter."""
    now = now or utcnow()
    day = now.astimezone(LOCAL_TIME).date()
    taken = [alert.reporter_id] if alert.reporter_id else []
    workers = nearest.nearest_workers(
        session,
        alert.lng,
        alert.lat,
        settings.fire_alert_nearest_workers,
        settings.fire_alert_radius_m,
        settings.fire_alert_position_max_age_minutes,
        now,
        day,
        taken,
    )
    near: list[Choice] = [
        Choice(RecipientKind.WORKER, w.name, w.distance_m, w.source, user_id=w.user_id)
        for w in workers
    ]
    near += [
        Choice(
            RecipientKind.MICRO_STATION,
            s.name,
            s.distance_m,
            "station",
            station_id=s.station_id,
            duty_phone=s.duty_phone,
            members=s.members,
        )
        for s in stations.nearest_on_duty(
            session,
            alert.lng,
            alert.lat,
            settings.fire_alert_nearest_stations,
            settings.fire_alert_radius_m,
        )
    ]
    chosen = sorted(near, key=lambda c: (c.distance_m, c.kind != RecipientKind.WORKER))
    seen = set(taken) | {c.user_id for c in chosen if c.user_id}
    if placement is not None and placement.grid is not None:
        for leader in workforce.leaders_of(session, [placement.grid.village.id]):
            if leader.available_today and leader.user_id not in seen:
                seen.add(leader.user_id)
                chosen.append(
                    Choice(RecipientKind.LEADER, leader.display_name, None, None, leader.user_id)
                )
    staff = workforce.staff_placed_at(session, alert.area_path, Role.STATION_STAFF, 1)
    names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(staff))).all()
        if staff
        else []
    )
    for user_id in sorted(staff, key=str):
        if user_id not in seen:
            seen.add(user_id)
            chosen.append(Choice(RecipientKind.STATION, names[user_id], None, None, user_id))
    return chosen


def fan_out(
    session: Session,
    alert: FireAlert,
    placement: grids.Placement | None,
    settings: Settings,
) -> list[AlertRecipient]:
    """The recipient rows, each person's urgent push (and inbox row), and texts: to people
    with no device registered, and to micro stations' duty phones. All queued in the caller's
    transaction; the worker's outbox pass sends them, nearest first."""
    chosen = choose(session, alert, placement, settings)
    place = _place_text(session, alert)
    at = alert.reported_at.astimezone(LOCAL_TIME).strftime("%H:%M")
    data = {"kind": "fire.alert", "fire_alert_id": str(alert.id)}
    people: list[uuid.UUID] = []
    for c in chosen:
        for user_id in (c.user_id, *c.members):
            if user_id is not None and user_id not in people:
                people.append(user_id)
    with_device = _with_devices(session, people)
    messages = []
    for c in chosen:
        for user_id in (c.user_id, *c.members):
            if user_id is None or any(m[0] == user_id for m in messages):
                continue
            messages.append(
                (user_id, "火警：附近发生火情", _push_body(place, c.distance_m, at), data)
            )
    notify.push_many(session, messages, kind=NotificationKind.FIRE_ALERT)
    notifications = dict(
        session.execute(
            select(Notification.user_id, Notification.id).where(
                Notification.subject_type == SubjectType.FIRE_ALERT.value,
                Notification.subject_id == alert.id,
            )
        ).all()
    )
    rows = []
    texted: set[uuid.UUID] = set()
    for rank, c in enumerate(chosen, start=1):
        params = {"place": place[:35], "distance": _distance_text(c.distance_m), "time": at}
        summary = f"火警：{place}（{at}）{_distance_text(c.distance_m)}"
        channels, text = [], None
        if c.user_id is not None:
            channels.append("push" if c.user_id in with_device else "inbox")
            if c.user_id not in with_device and c.user_id not in texted:
                text = texts.queue_text(session, c.user_id, SMS_TEMPLATE, params, summary)
                texted.add(c.user_id)
                channels = ["sms"]
        else:
            if any(m in with_device for m in c.members):
                channels.append("push")
            if c.duty_phone and alert.reporter_id is not None:
                text = texts.queue_text_to_sealed_phone(
                    session,
                    alert.reporter_id,
                    seal(settings.resolved_secret_key, c.duty_phone),
                    SMS_TEMPLATE,
                    params,
                    summary,
                )
                channels.append("sms")
        if text is not None:
            text.id = text.id or new_id()
        row = AlertRecipient(
            id=new_id(),
            alert_id=alert.id,
            rank=rank,
            kind=c.kind.value,
            user_id=c.user_id,
            station_id=c.station_id,
            name=(c.name or "")[:100],
            distance_m=c.distance_m,
            distance_from=c.distance_from,
            channels="+".join(channels) or "none",
            notification_id=notifications.get(c.user_id) if c.user_id else None,
            text_id=text.id if text is not None else None,
            sent_at=utcnow(),
        )
        rows.append(row)
    session.flush()  # the texts first: the rows name them
    session.add_all(rows)
    session.flush()
    return rows


def _with_devices(session: Session, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(Device.user_id).where(Device.user_id.in_(user_ids), Device.retired_at.is_(None))
        )
    )


def _place_text(session: Session, alert: FireAlert) -> str:
    premises = session.get(Premises, alert.premises_id) if alert.premises_id else None
    area = session.get(Area, alert.area_id) if alert.area_id else None
    where = area.name if area else f"{alert.lng:.5f},{alert.lat:.5f}"
    return (
        f"{where}{premises.name}附近" if premises else f"{where}（{alert.lng:.5f},{alert.lat:.5f}）"
    )


def _distance_text(distance_m: float | None) -> str:
    if distance_m is None:
        return "辖区内"
    if distance_m < 1000:
        return f"距您约{int(round(distance_m, -1))}米"
    return f"距您约{distance_m / 1000:.1f}公里"


def _push_body(place: str, distance_m: float | None, at: str) -> str:
    return f"{at} {place}发生火情，{_distance_text(distance_m)}。请在应用中回复是否前往。"


# --- Reading -------------------------------------------------------------------------------------


def visible_clause(session: Session, principal: Principal) -> ColumnElement[bool]:
    """Staff (and grid leaders) see the alerts of their area; anyone sees the alerts they
    raised or were alerted to (themselves, or through a micro station they belong to)."""
    mine = or_(
        FireAlert.reporter_id == principal.user_id,
        FireAlert.id.in_(
            select(AlertRecipient.alert_id).where(AlertRecipient.user_id == principal.user_id)
        ),
        FireAlert.id.in_(
            select(AlertRecipient.alert_id)
            .join(
                MicroStationMember,
                MicroStationMember.station_id == AlertRecipient.station_id,
            )
            .where(MicroStationMember.user_id == principal.user_id)
        ),
    )
    if principal.user_id is None:
        mine = false()
    if may(principal.role, Permission.READ_FIRE_ALERTS):
        return or_(scope_of(session, principal).area_clause_on(FireAlert.area_path), mine)
    return mine


def get_visible(session: Session, principal: Principal, alert_id: uuid.UUID) -> FireAlert:
    alert = session.scalar(
        select(FireAlert).where(FireAlert.id == alert_id, visible_clause(session, principal))
    )
    if alert is None:
        raise NotFound(f"no fire alert with id {alert_id}")
    return alert


def query(session: Session, principal: Principal, state: AlertState | None) -> Select:
    statement = select(FireAlert).where(visible_clause(session, principal))
    if state is not None:
        statement = statement.where(FireAlert.state == state.value)
    # Open alerts first (a fire in progress is what a station looks for), then newest first.
    still_open = case((FireAlert.state == AlertState.OPEN.value, 0), else_=1)
    return statement.order_by(still_open, FireAlert.reported_at.desc(), FireAlert.id)


def count(session: Session, statement: Select) -> int:
    return session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def recipients_of(session: Session, alert_id: uuid.UUID) -> list[AlertRecipient]:
    return recipients_of_many(session, [alert_id]).get(alert_id, [])


def recipients_of_many(
    session: Session, alert_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[AlertRecipient]]:
    """Each alert's recipients, nearest first, for a page of alerts in one query."""
    found: dict[uuid.UUID, list[AlertRecipient]] = {}
    if not alert_ids:
        return found
    for row in session.scalars(
        select(AlertRecipient)
        .where(AlertRecipient.alert_id.in_(alert_ids))
        .order_by(AlertRecipient.alert_id, AlertRecipient.rank)
    ):
        found.setdefault(row.alert_id, []).append(row)
    return found


def delivered_at(session: Session, rows: list[AlertRecipient]) -> dict[uuid.UUID, datetime]:
    """When each recipient was first reached: their push or their text delivered."""
    from backend.notify.models import OutboxMessage

    by_notification = {r.notification_id: r.id for r in rows if r.notification_id}
    by_text = {r.text_id: r.id for r in rows if r.text_id}
    found: dict[uuid.UUID, datetime] = {}
    if not by_notification and not by_text:
        return found
    for message_id, notification_id, at in session.execute(
        select(OutboxMessage.id, OutboxMessage.notification_id, OutboxMessage.delivered_at).where(
            OutboxMessage.delivered_at.is_not(None),
            or_(
                OutboxMessage.notification_id.in_(list(by_notification) or [uuid.uuid4()]),
                OutboxMessage.id.in_(list(by_text) or [uuid.uuid4()]),
            ),
        )
    ):
        for recipient in (by_notification.get(notification_id), by_text.get(message_id)):
            if recipient is not None and (recipient not in found or at < found[recipient]):
                found[recipient] = at
    return found


# --- Answers ------------------------------------------------------------------------------------


def _mine(session: Session, alert: FireAlert, user_id: uuid.UUID) -> list[AlertRecipient]:
    """The caller's recipient rows: their own, and those of micro stations they belong to."""
    return list(
        session.scalars(
            select(AlertRecipient).where(
                AlertRecipient.alert_id == alert.id,
                or_(
                    AlertRecipient.user_id == user_id,
                    AlertRecipient.station_id.in_(
                        select(MicroStationMember.station_id).where(
                            MicroStationMember.user_id == user_id
                        )
                    ),
                ),
            )
        )
    )


def answer(
    session: Session,
    alert: FireAlert,
    rows: list[AlertRecipient],
    going: bool,
    eta_minutes: int | None,
    channel: AckChannel,
    actor: audit.Actor,
) -> None:
    """Keep the answer on the rows (a later answer replaces an earlier one) while the alert
    is open."""
    if alert.state != AlertState.OPEN.value:
        raise AlertNotOpen(f"the alert is {alert.state}: answers are no longer taken")
    now = utcnow()
    for row in rows:
        row.acked_at, row.going, row.eta_minutes = now, going, eta_minutes if going else None
        row.ack_channel, row.acked_by = channel.value, actor.id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="fire_alert.acknowledged",
        subject_type="fire_alert",
        subject_id=alert.id,
        after={
            "recipients": [str(r.id) for r in rows],
            "going": going,
            "eta_minutes": eta_minutes if going else None,
            "channel": channel.value,
        },
    )


def acknowledge(
    session: Session,
    principal: Principal,
    alert_id: uuid.UUID,
    going: bool,
    eta_minutes: int | None,
) -> FireAlert:
    """A recipient's answer from the app: going or not (and when they will be there)."""
    alert = get_visible(session, principal, alert_id)
    session.refresh(alert, with_for_update=True)
    rows = _mine(session, alert, principal.user_id)
    if not rows:
        raise NotARecipient("only those alerted answer; you were not alerted to this fire")
    answer(session, alert, rows, going, eta_minutes, AckChannel.APP, principal.actor)
    return alert


def acknowledge_for(
    session: Session,
    principal: Principal,
    alert_id: uuid.UUID,
    recipient_id: uuid.UUID,
    going: bool,
    eta_minutes: int | None,
) -> FireAlert:
    """Station staff enter the answer a micro station gave on the phone."""
    demand(principal.role, Permission.MANAGE_FIRE_ALERTS, "enter answers")
    alert = get_visible(session, principal, alert_id)
    if not scope_of(session, principal).covers_path(alert.area_path):
        raise NotFound(f"no fire alert with id {alert_id}")
    session.refresh(alert, with_for_update=True)
    row = session.scalar(
        select(AlertRecipient).where(
            AlertRecipient.id == recipient_id, AlertRecipient.alert_id == alert.id
        )
    )
    if row is None:
        raise NotFound(f"no recipient {recipient_id} of this alert")
    if row.kind != RecipientKind.MICRO_STATION.value:
        raise Forbidden("people answer for themselves; staff enter a micro station's answer")
    answer(session, alert, [row], going, eta_minutes, AckChannel.STAFF, principal.actor)
    return alert


# --- Closing -------------------------------------------------------------------------------------


def close(
    session: Session,
    principal: Principal,
    alert_id: uuid.UUID,
    outcome: AlertState,
    note: str | None,
    version: int | None,
) -> FireAlert:
    alert = get_visible(session, principal, alert_id)
    if not scope_of(session, principal).covers_path(alert.area_path):
        raise NotFound(f"no fire alert with id {alert_id}")
    session.refresh(alert, with_for_update=True)
    if version is not None and version != alert.version:
        raise AlertChangedMeanwhile(
            f"the alert is at version {alert.version}, not {version}", version=alert.version
        )
    action = {
        AlertState.CLOSED: AlertAction.CLOSE,
        AlertState.FALSE_ALARM: AlertAction.MARK_FALSE_ALARM,
    }.get(outcome)
    if action is None:
        raise InvalidInput("the outcome is closed or false_alarm", field="outcome")
    row = ALERT_LIFECYCLE.step(AlertState(alert.state), action)
    ALERT_LIFECYCLE.check_role(row, principal.role)
    before = alert.state
    alert.state = row.target.value
    alert.closed_at, alert.closed_by, alert.close_note = utcnow(), principal.user_id, note
    alert.version += 1
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action=f"fire_alert.{action.value}",
        subject_type="fire_alert",
        subject_id=alert.id,
        before={"state": before},
        after={"state": alert.state, "note": note},
    )
    return alert
