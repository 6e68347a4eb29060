"""Texts to the platform's number (上行短信), relayed by the SMS gateway's partner account,
signed (docs/integration-auth.md): a worker without data raises an alert by text, and anyone
alerted answers by replying 1 (going) or 2 (cannot). The grammar is in docs/fires.md.
Every text is kept with what it became; a relayed retry (the gateway's message id again) is
answered as the first time and does nothing more. No web imports."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta

from geoalchemy2.shape import to_shape
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.db import utcnow
from backend.core.errors import Forbidden, InvalidInput
from backend.core.privacy import mask_phone
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal, normalise_mobile
from fires.alerts import positions
from fires.alerts import service as alerts
from fires.alerts.enums import AckChannel, AlertChannel, AlertState, UplinkOutcome
from fires.alerts.models import AlertRecipient, FireAlert, SmsUplink
from fires.alerts.schemas import SmsIn, SmsOut
from fires.stations.models import MicroStation, MicroStationMember
from grids.enums import AreaLevel, AssignmentRole
from grids.models import Area, GridAssignment
from grids.scope import scope_of
from grids.workforce import users_in_scope

ANSWER_WITHIN = timedelta(hours=24)  # a 1 or 2 answers an open alert raised this recently

FIRE_WORDS = ("火警", "火情", "着火", "起火", "失火", "报警")
_ANSWER = re.compile(r"^([12])(?:\s*[,， ]\s*(\d{1,3}))?$")
_POINT = re.compile(r"(-?\d{1,3}\.\d+)\s*[,， ]\s*(-?\d{1,3}\.\d+)")
_GRID = re.compile(r"(\d{6,12}(?:-\d{1,4})+)")

REPLIES = {
    UplinkOutcome.ALERT: "已收到火警，已通知附近网格员、网格长、消防工作站和微型消防站。请立即拨打119报警！",
    UplinkOutcome.ACK: "已收到您的回复，谢谢。",
    UplinkOutcome.UNKNOWN_SENDER: "本号码未登记为网格员，无法受理。如遇火情请立即拨打119。",
    UplinkOutcome.NOT_UNDERSTOOD: (
        "未能识别。报火警请发送“火警”加经纬度或网格编号；回复火警通知请发1（前往）或2（无法前往）。"
        "如遇火情请立即拨打119。"
    ),
    UplinkOutcome.NO_OPEN_ALERT: "您当前没有需要回复的火警通知。如遇火情请立即拨打119。",
    UplinkOutcome.NO_LOCATION: (
        "未能确定火情位置，请发送“火警”加经纬度（如 火警 109.41,24.35）或网格编号。请立即拨打119！"
    ),
}


@dataclass(frozen=True)
class Parsed:
    kind: str  # "answer" | "fire" | "unknown"
    going: bool | None = None
    eta_minutes: int | None = None
    point: tuple[float, float] | None = None
    grid_code: str | None = None
    note: str | None = None


def parse(text: str) -> Parsed:
    """The grammar of docs/fires.md: `1` or `2` (with an optional ETA in minutes after a 1:
    `1 10`) answers an alert; a text starting with a fire word (火警, 火情, 着火, 起火, 失火,
    报警) raises one, with an optional point `lng,lat` (WGS-84, as a phone's GPS gives) or a
    grid's code, and the rest as its note. Full-width characters count as their ASCII."""
    plain = unicodedata.normalize("NFKC", text).strip()
    answered = _ANSWER.fullmatch(plain)
    if answered:
        going = answered.group(1) == "1"
        eta = int(answered.group(2)) if answered.group(2) and going else None
        return Parsed("answer", going=going, eta_minutes=eta)
    word = next((w for w in FIRE_WORDS if plain.startswith(w)), None)
    if word is None:
        return Parsed("unknown")
    rest = plain[len(word) :].strip(" ：:，,")
    point = None
    found = _POINT.search(rest)
    if found:
        a, b = float(found.group(1)), float(found.group(2))
        point = (a, b) if abs(a) > abs(b) else (b, a)  # lng first; in China lng > lat
        rest = (rest[: found.start()] + rest[found.end() :]).strip(" ：:，,")
    grid = _GRID.search(rest)
    grid_code = None
    if grid:
        grid_code = grid.group(1)
        rest = (rest[: grid.start()] + rest[grid.end() :]).strip(" ：:，,")
    return Parsed("fire", point=point, grid_code=grid_code, note=rest or None)


def relay(session: Session, gateway: Principal, body: SmsIn, settings: Settings) -> SmsOut:
    demand(gateway.role, Permission.RELAY_SMS, "relay texts")
    if not settings.fire_alert_sms_gateway or gateway.username != settings.fire_alert_sms_gateway:
        raise Forbidden("only the SMS gateway (FIREGRID_FIRE_ALERT_SMS_GATEWAY) relays texts")
    if body.received_at.tzinfo is None:
        raise InvalidInput("received_at needs its offset (+08:00)", field="received_at")
    known = _known(session, gateway.user_id, body.message_id)
    if known is not None:
        return known
    try:
        with session.begin_nested():
            out = _handle(session, gateway, body, settings)
    except IntegrityError:  # the same message relayed twice at once
        known = _known(session, gateway.user_id, body.message_id)
        if known is None:
            raise
        return known
    return out


def _known(session: Session, gateway_id, message_id: str) -> SmsOut | None:
    row = session.scalar(
        select(SmsUplink).where(
            SmsUplink.gateway_id == gateway_id, SmsUplink.message_id == message_id
        )
    )
    if row is None:
        return None
    return SmsOut(outcome=UplinkOutcome(row.outcome), reply=row.reply, alert_id=row.alert_id)


def _handle(session: Session, gateway: Principal, body: SmsIn, settings: Settings) -> SmsOut:
    try:
        phone = normalise_mobile(body.sender)
    except InvalidInput:
        phone = None
    parsed = parse(body.text)
    sender: User | None = None
    alert_id: uuid.UUID | None = None
    if phone is None:
        outcome = UplinkOutcome.UNKNOWN_SENDER
    elif parsed.kind == "answer":
        outcome, alert_id, sender = _answer(session, gateway, phone, parsed)
    elif parsed.kind == "fire":
        sender = _worker(session, gateway, phone)
        if sender is None:
            outcome = UplinkOutcome.UNKNOWN_SENDER
        else:
            outcome, alert_id = _fire(session, sender, parsed, settings)
    else:
        outcome = UplinkOutcome.UNKNOWN_SENDER
        if _people(session, gateway, phone) or _stations_of_phone(session, gateway, phone):
            outcome = UplinkOutcome.NOT_UNDERSTOOD
    row = SmsUplink(
        gateway_id=gateway.user_id,
        message_id=body.message_id,
        sender_masked=mask_phone(body.sender) or "",
        sender_id=sender.id if sender else None,
        text=body.text,
        received_at=body.received_at,
        outcome=outcome.value,
        alert_id=alert_id,
        reply=REPLIES[outcome],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=gateway.actor,
        action="fire_alert.sms_received",
        subject_type="fire_alert_sms",
        subject_id=row.id,
        after={
            "message_id": body.message_id,
            "sender": row.sender_masked,
            "sender_id": str(sender.id) if sender else None,
            "outcome": outcome.value,
            "alert_id": str(alert_id) if alert_id else None,
        },
    )
    return SmsOut(outcome=outcome, reply=row.reply, alert_id=alert_id)


def _people(session: Session, gateway: Principal, phone: str) -> list[User]:
    """The active accounts with this phone that the gateway's area covers."""
    users = list(session.scalars(select(User).where(User.phone == phone, User.is_active.is_(True))))
    visible = users_in_scope(session, scope_of(session, gateway), [u.id for u in users])
    return [u for u in users if u.id in visible]


def _worker(session: Session, gateway: Principal, phone: str) -> User | None:
    workers = [
        u
        for u in _people(session, gateway, phone)
        if u.role in (Role.GRID_WORKER.value, Role.GRID_LEADER.value)
    ]
    return workers[0] if len(workers) == 1 else None  # two accounts, one phone: whose fire?


def _stations_of_phone(session: Session, gateway: Principal, phone: str) -> list[uuid.UUID]:
    """The micro stations with this duty phone that the gateway's area covers."""
    return list(
        session.scalars(
            select(MicroStation.id).where(
                MicroStation.duty_phone == phone,
                scope_of(session, gateway).area_clause_on(MicroStation.area_path),
            )
        )
    )


def _answer(session: Session, gateway: Principal, phone: str, parsed: Parsed):
    people = _people(session, gateway, phone)
    stations = _stations_of_phone(session, gateway, phone)
    if not people and not stations:
        return UplinkOutcome.UNKNOWN_SENDER, None, None
    user_ids = [u.id for u in people]
    member_of = (
        select(MicroStationMember.station_id).where(MicroStationMember.user_id.in_(user_ids))
        if user_ids
        else None
    )
    mine = [AlertRecipient.station_id.in_(stations)] if stations else []
    if user_ids:
        mine += [AlertRecipient.user_id.in_(user_ids), AlertRecipient.station_id.in_(member_of)]
    latest = session.scalar(
        select(FireAlert)
        .join(AlertRecipient, AlertRecipient.alert_id == FireAlert.id)
        .where(
            FireAlert.state == AlertState.OPEN.value,
            FireAlert.reported_at >= utcnow() - ANSWER_WITHIN,
            or_(*mine),
        )
        .order_by(FireAlert.reported_at.desc())
        .limit(1)
    )
    sender = people[0] if len(people) == 1 else None
    if latest is None:
        return UplinkOutcome.NO_OPEN_ALERT, None, sender
    session.refresh(latest, with_for_update=True)
    rows = list(
        session.scalars(
            select(AlertRecipient).where(AlertRecipient.alert_id == latest.id, or_(*mine))
        )
    )
    actor = audit.Actor(sender.id, sender.role) if sender else gateway.actor
    alerts.answer(
        session, latest, rows, bool(parsed.going), parsed.eta_minutes, AckChannel.SMS, actor
    )
    return UplinkOutcome.ACK, latest.id, sender


def _fire(session: Session, sender: User, parsed: Parsed, settings: Settings):
    place = _place(session, sender, parsed, settings)
    if place is None:
        return UplinkOutcome.NO_LOCATION, None
    try:
        alert = alerts.record(
            session,
            sender.id,
            audit.Actor(sender.id, sender.role),
            place,
            parsed.note,
            AlertChannel.SMS,
            settings,
        )
    except InvalidInput:  # a point outside the deployment
        return UplinkOutcome.NO_LOCATION, None
    return UplinkOutcome.ALERT, alert.id


def _place(session: Session, sender: User, parsed: Parsed, settings: Settings):
    if parsed.point is not None:
        return alerts.Place(parsed.point[0], parsed.point[1], None, "text")
    if parsed.grid_code is not None:
        grid = session.scalar(
            select(Area).where(Area.code == parsed.grid_code, Area.level == AreaLevel.GRID.value)
        )
        if grid is not None:
            point = to_shape(grid.geom).representative_point()
            return alerts.Place(point.x, point.y, None, "grid")
    last = positions.fresh_position(session, sender.id, settings)
    if last is not None:
        return alerts.Place(last[0], last[1], last[2], "position")
    grid = session.scalar(
        select(Area)
        .join(GridAssignment, GridAssignment.area_id == Area.id)
        .where(GridAssignment.user_id == sender.id)
        .order_by(GridAssignment.role != AssignmentRole.PRIMARY.value, Area.code)
        .limit(1)
    )
    if grid is not None:
        point = to_shape(grid.geom).representative_point()
        return alerts.Place(point.x, point.y, None, "grid")
    return None
