"""Citizen reports as Open311 service requests, and back. No web imports.

A report is a complaint on the `app` channel, sent by the citizen app's integration client
(authenticated by its `api_key`), and routed like any other complaint. What the public reads
back is the report and where it stands: never who sent it, never which worker has it.
Complaints from the hotlines (96119, 12345) are not published here.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit, media
from backend.core.db import utcnow
from backend.core.errors import Problem
from backend.core.rate_limits import Limit
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from complaints import intake as intake_
from complaints.enums import Channel, ComplaintState, ComplaintType, PhotoKind
from complaints.models import Complaint, ComplaintPhoto, Open311Idempotency, Open311Key
from complaints.schemas import Caller, ComplaintIntake, ComplaintOut, Location
from grids.enums import Crs
from grids.models import Area
from grids.service import place_point, unusable_point
from hazards.enums import HazardCategory

PUBLISHED_CHANNELS = (Channel.APP.value, Channel.WECHAT.value, Channel.WEB.value)
LIST_LIMIT = 1000
DEFAULT_WINDOW = timedelta(days=90)

# 服务名称: what a citizen picks from (the hazard taxonomy, in the words the public uses).
SERVICE_NAMES: dict[HazardCategory, tuple[str, str]] = {
    HazardCategory.EXIT_BLOCKED: (
        "安全出口、疏散通道堵塞或锁闭",
        "Exits or escape routes blocked or locked",
    ),
    HazardCategory.FACILITY_FAULTY: (
        "消防设施损坏、停用",
        "Fire protection systems broken or switched off",
    ),
    HazardCategory.ELECTRICAL: ("私拉乱接电线、违规用电", "Unsafe wiring or use of electricity"),
    HazardCategory.EBIKE_INDOOR: (
        "电动自行车室内停放充电、飞线充电",
        "E-bikes parked or charged indoors",
    ),
    HazardCategory.OPEN_FLAME: ("违规用火", "Open flames where forbidden"),
    HazardCategory.FLAMMABLES: (
        "违规存放易燃易爆物品",
        "Flammable or explosive goods stored unsafely",
    ),
    HazardCategory.LIVING_IN_WORKPLACE: ("“三合一”场所住人", "People living in a shop or workshop"),
    HazardCategory.FIRE_LANE_BLOCKED: ("消防车通道堵塞", "Fire lane blocked"),
    HazardCategory.HYDRANT_EXTINGUISHER: (
        "消火栓、灭火器缺失或过期",
        "Hydrants or extinguishers missing or expired",
    ),
    HazardCategory.OTHER: ("其他火灾隐患", "Other fire hazard"),
}

# What the public reads of each state (status_notes, until there is a reply to show).
STATE_NOTES = {
    ComplaintState.RECEIVED: "已受理，正在分派 Received, being assigned",
    ComplaintState.DISPATCHED: "已派发网格员 Assigned to the grid worker",
    ComplaintState.SIGNED: "网格员已签收 Accepted by the grid worker",
    ComplaintState.VERIFYING: "已现场核查 Checked on site",
    ComplaintState.REPLIED: "已答复 Answered",
    ComplaintState.CLOSED: "已办结 Closed",
    ComplaintState.CALLBACK_DONE: "已办结并回访 Closed and followed up",
    ComplaintState.UNSATISFIED: "回访不满意，待重办 Reporter unsatisfied; to be reopened",
    ComplaintState.REOPENED: "重新办理中 Reopened",
}
CLOSED_STATES = frozenset({ComplaintState.CLOSED, ComplaintState.CALLBACK_DONE})


class Open311Error(Exception):
    """An error in Open311's own shape (a list of {code, description})."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description = code, description
        self.retry_after = retry_after  # seconds, for a 429


# --- Keys -----------------------------------------------------------------------------------------


def _digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def issue_key(session: Session, username: str, label: str, actor: audit.Actor) -> str:
    """A new api_key for a citizen app's integration client; shown once."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or Role(user.role) is not Role.INTEGRATION:
        raise Open311Error(404, f"no integration client {username!r}")
    api_key = "o311_" + secrets.token_urlsafe(32)
    session.add(Open311Key(key_digest=_digest(api_key), user_id=user.id, label=label))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="integration.open311_key_issued",
        subject_type="user",
        subject_id=user.id,
        after={"label": label},
    )
    return api_key


def app_for_key(session: Session, api_key: str | None) -> Principal:
    if not api_key:
        raise Open311Error(403, "api_key is required to submit a request")
    key = session.get(Open311Key, _digest(api_key))
    user = session.get(User, key.user_id) if key else None
    if key is None or key.revoked_at is not None or user is None or not user.is_active:
        raise Open311Error(403, "api_key is not valid")
    return Principal.of(user)


# --- Services ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    service_code: str
    service_name: str
    description: str
    group: str = "消防隐患 Fire hazards"
    metadata: bool = False
    type: str = "realtime"
    keywords: str = ""


def services() -> list[Service]:
    return [
        Service(code.value, f"{zh} {en}", zh, keywords=code.value.replace("_", ","))
        for code, (zh, en) in SERVICE_NAMES.items()
    ]


def service(code: str) -> Service:
    for found in services():
        if found.service_code == code:
            return found
    raise Open311Error(404, f"no service with code {code!r}")


# --- Requests ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRequest:
    service_code: str | None
    lat: float | None
    long: float | None
    address_string: str | None
    description: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    device_id: str | None
    crs: str | None = None  # the `crs` extension: wgs84 (the default), gcj02, bd09
    media_sha256: tuple[str, ...] = ()  # the photos sent in `media`, as sent (not processed)


# What `crs` may name: the coordinate systems of GPS and of Chinese map SDKs.
CRS_NAMES = ", ".join(c.value for c in Crs)


def crs_of(raw: str | None) -> Crs:
    value = (raw or "").strip().lower()
    if not value:
        return Crs.WGS84
    try:
        return Crs(value)
    except ValueError:
        raise Open311Error(400, f"crs is one of {CRS_NAMES}; not {raw!r}") from None


def photos_of_report(data: Sequence[bytes], settings: Settings) -> list[media.Photo]:
    """The photos sent in `media`, checked and processed (the original, a public copy without
    EXIF, a thumbnail) before anything is written; one that is refused refuses the report,
    naming which one and why. The same photo twice is kept once."""
    if len(data) > settings.open311_max_photos:
        refuse_too_many_photos(settings)
    photos: dict[str, media.Photo] = {}
    for number, raw in enumerate(data, start=1):
        try:
            photo = media.process(
                raw, max_bytes=settings.photo_max_bytes, max_pixels=settings.photo_max_pixels
            )
        except Problem as refused:
            raise Open311Error(400, f"media {number}: {refused.detail}") from None
        photos.setdefault(photo.sha256, photo)
    return list(photos.values())


def refuse_too_many_photos(settings: Settings) -> None:
    raise Open311Error(400, f"media: at most {settings.open311_max_photos} photos in one report")


def submit(
    session: Session,
    app: Principal,
    request: NewRequest,
    settings: Settings,
    photos: Sequence[media.Photo] = (),
) -> ComplaintOut:
    """A citizen's report becomes a complaint of the app channel, routed like any other. The
    name and phone (if given) are sealed apart; email is not asked for, not kept. The point
    may come in GCJ-02 or BD-09 (`crs`): routed in WGS-84, the point as sent kept with its crs.
    Its photos (already processed: `photos_of_report`) are kept with it, in its transaction,
    as photos of the report; their files are stored before the transaction commits."""
    if not request.service_code:
        raise Open311Error(400, "service_code is required")
    category = service(request.service_code).service_code
    crs = crs_of(request.crs)
    if (request.lat is None) != (request.long is None):
        raise Open311Error(400, "lat and long go together")
    if request.lat is None and not (request.address_string or "").strip():
        raise Open311Error(400, "give lat and long, or address_string")
    if request.lat is not None and not (-90 <= request.lat <= 90 and -180 <= request.long <= 180):  # type: ignore[operator]
        raise Open311Error(400, "lat must be within -90..90 and long within -180..180")
    for name, value in (
        ("description", request.description),
        ("address_string", request.address_string),
        ("first_name", request.first_name),
        ("last_name", request.last_name),
        ("phone", request.phone),
        ("device_id", request.device_id),
    ):
        check_text(name, value)
    if request.lat is not None:  # a person's point must be somewhere we serve (hotlines: triage)
        _, placement = place_point(session, request.long, request.lat, crs, settings.routing_snap_m)
        reason = unusable_point(request.long, request.lat, placement)
        if reason is not None:
            raise Open311Error(422, f"lat, long: {reason}")
    description = (request.description or "").strip()
    if not description:
        raise Open311Error(400, "description is required")
    if len(description) > 4000:
        raise Open311Error(400, "description is longer than 4000 characters")
    name = " ".join(p for p in (request.last_name, request.first_name) if p and p.strip()) or None
    phone = (request.phone or "").strip() or None
    try:
        intake = ComplaintIntake(
            channel=Channel.APP,
            external_id=f"open311-{uuid.uuid4()}",
            received_at=utcnow(),
            type=ComplaintType.REPORT,
            text=description,
            address=(request.address_string or "").strip()[:500],
            location=Location(lng=request.long, lat=request.lat, crs=crs)
            if request.lat is not None
            else None,
            caller=Caller(name=name, phone=phone) if (name or phone) else None,
            anonymous=not (name or phone),
            category=HazardCategory(category),
        )
    except ValueError as exc:  # pydantic: a phone that is not one, a name too long
        raise Open311Error(400, _first_error(exc)) from None
    complaint, _ = intake_.receive(session, app, intake, settings)
    if photos:
        _keep_photos(session, app, complaint.id, photos, settings)
    return complaint


def _keep_photos(
    session: Session,
    app: Principal,
    complaint_id: uuid.UUID,
    photos: Sequence[media.Photo],
    settings: Settings,
) -> None:
    now = utcnow()
    session.add_all(
        ComplaintPhoto.of(
            complaint_id,
            photo,
            kind=PhotoKind.REPORT.value,
            uploaded_by=None,  # the citizen, through the app: no account of ours
            uploaded_at=now + timedelta(microseconds=order),  # the order they were sent in
        )
        for order, photo in enumerate(photos)
    )
    session.flush()
    audit.record_many(  # one event a photo, as a worker's photo has (the console lists them)
        session,
        [
            audit.Entry(
                app.actor,
                "complaint.photo_added",
                "complaint",
                complaint_id,
                after={"sha256": photo.sha256, "kind": PhotoKind.REPORT.value},
            )
            for photo in photos
        ],
    )
    store = media.store_for(settings)
    for photo in photos:  # content-addressed: a rolled-back report leaves harmless files
        store.put_photo(photo)


def check_text(name: str, value: str | None) -> None:
    """Refuse control characters (other than tab and line breaks): XML cannot carry most of
    them, and nobody types them; whatever sent them is not a person writing a report."""
    for position, char in enumerate(value or ""):
        if char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cs"):
            raise Open311Error(
                400, f"{name} contains a control character (U+{ord(char):04X}) at {position}"
            )


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(exc)


# --- Limits and retries ------------------------------------------------------------------------


def count_report_from(settings: Settings, client_address: str) -> None:
    """Count a report sent from this client address, refused over the limit
    (FIREGRID_OPEN311_LIMIT_PER_ADDRESS), whatever its api_key, even a wrong one."""
    _count(
        Limit("open311-address", settings.open311_limit_per_address, settings.rate_limit_storage),
        client_address,
        "from this address",
    )


def count_report_by_key(settings: Settings, api_key: str) -> None:
    """Count a report sent with this (valid) api_key, refused over the limit
    (FIREGRID_OPEN311_LIMIT_PER_KEY): one app's users together."""
    _count(
        Limit("open311-key", settings.open311_limit_per_key, settings.rate_limit_storage),
        _digest(api_key),
        "with this api_key",
    )


def _count(limit: Limit, who: str, said: str) -> None:
    wait = limit.hit(who)
    if wait is not None:
        raise Open311Error(429, f"too many reports {said}; try again in {wait} s", retry_after=wait)


IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def idempotency_key(raw: str | None) -> str | None:
    """The `Idempotency-Key` header's value (IETF httpapi draft: a string, which may come
    quoted as a structured-field string), or None when the app sent none."""
    if raw is None:
        return None
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not IDEMPOTENCY_KEY.match(value):
        raise Open311Error(400, "Idempotency-Key must be 1 to 255 visible ASCII characters")
    return value


@dataclass(frozen=True)
class Taken:
    """A report as taken: its complaint (id, reply deadline), and whether it was taken before
    under the same Idempotency-Key (then this request stored nothing)."""

    complaint: ComplaintOut | Complaint
    replayed: bool = False


def submit_once(
    session: Session,
    app: Principal,
    api_key: str,
    retry_key: str | None,
    request: NewRequest,
    settings: Settings,
    photo_data: Sequence[bytes] = (),
) -> Taken:
    """`submit`, unless this app sent the same Idempotency-Key before: the same report is
    answered again (a retry after a timeout), another body under that key is refused (422).
    The photos (`media`, as sent) are part of the report: their sha256s are in its digest.
    The key is claimed by inserting it, so of two identical requests at once one waits for
    the other's commit and answers its report; a refused report leaves no key behind.

    Photos are processed before anything is written (on SQLite, the claim takes the write
    lock: no other writer should wait for a photo's decoding), and not at all for a retry of
    a report already taken."""
    request = replace(
        request, media_sha256=tuple(hashlib.sha256(data).hexdigest() for data in photo_data)
    )
    crs_of(request.crs)  # a wrong crs is refused before any photo is processed
    if retry_key is None:
        photos = photos_of_report(photo_data, settings)
        return Taken(submit(session, app, request, settings, photos))
    scope, digest = _digest(api_key), request_digest(request)
    if (before := _taken_already(session, scope, retry_key, digest, settings)) is not None:
        return before
    photos = photos_of_report(photo_data, settings)
    with session.begin_nested():
        if not _claim(session, scope, retry_key, digest, settings):
            return _taken_before(session, scope, retry_key, digest)
        complaint = submit(session, app, request, settings, photos)
        session.execute(
            update(Open311Idempotency)
            .where(
                Open311Idempotency.key_digest == scope,
                Open311Idempotency.idempotency_key == retry_key,
            )
            .values(complaint_id=complaint.id)
        )
    return Taken(complaint)


def request_digest(request: NewRequest) -> str:
    """The fields as sent and the sha256 of each photo; the extensions only when used, so a
    plain report digests as it did before they existed (a retry across an upgrade)."""
    fields = vars(request).copy()
    for name, unused in (("crs", None), ("media_sha256", ())):
        if fields[name] == unused:
            del fields[name]
    return hashlib.sha256(
        json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _claim(session: Session, scope: str, retry_key: str, digest: str, settings: Settings) -> bool:
    """Whether this request is the first with its key (within the time keys are kept)."""
    now = utcnow()
    try:
        with session.begin_nested():
            session.add(
                Open311Idempotency(
                    key_digest=scope,
                    idempotency_key=retry_key,
                    request_digest=digest,
                    created_at=now,
                )
            )
    except IntegrityError:
        # Taken before; if so long ago that it is forgotten (the worker had not yet removed
        # it), this request takes it over, and only one of two at once does.
        cutoff = now - timedelta(hours=settings.open311_idempotency_hours)
        return bool(
            session.execute(
                update(Open311Idempotency)
                .where(
                    Open311Idempotency.key_digest == scope,
                    Open311Idempotency.idempotency_key == retry_key,
                    Open311Idempotency.created_at < cutoff,
                )
                .values(request_digest=digest, created_at=now, complaint_id=None)
            ).rowcount
        )
    return True


def _taken_already(
    session: Session, scope: str, retry_key: str, digest: str, settings: Settings
) -> Taken | None:
    """A retry of a report taken (and committed) under this key, answered without claiming
    anything; None when the key is new, forgotten or still being taken (then `_claim`
    decides, waiting for the other request if need be)."""
    before = session.get(Open311Idempotency, (scope, retry_key))
    cutoff = utcnow() - timedelta(hours=settings.open311_idempotency_hours)
    if before is None or before.complaint_id is None or before.created_at < cutoff:
        return None
    return _taken_before(session, scope, retry_key, digest)


def _taken_before(session: Session, scope: str, retry_key: str, digest: str) -> Taken:
    before = session.get(Open311Idempotency, (scope, retry_key), populate_existing=True)
    assert before is not None and before.complaint_id is not None  # written with its report
    if before.request_digest != digest:
        raise Open311Error(
            422,
            f"Idempotency-Key {retry_key!r} was sent before with another report; "
            "use a new key for a new report",
        )
    complaint = session.get(Complaint, before.complaint_id)
    assert complaint is not None
    return Taken(complaint, replayed=True)


def forget_idempotency_keys(session: Session, settings: Settings) -> int:
    """Keys past FIREGRID_OPEN311_IDEMPOTENCY_HOURS: a retry so late is a new report."""
    cutoff = utcnow() - timedelta(hours=settings.open311_idempotency_hours)
    return session.execute(
        delete(Open311Idempotency).where(Open311Idempotency.created_at < cutoff)
    ).rowcount


@dataclass(frozen=True)
class RequestQuery:
    ids: list[uuid.UUID] | None = None
    service_code: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    status: str | None = None  # open | closed


def find(session: Session, query: RequestQuery) -> list[Complaint]:
    """Published requests, newest first; without ids or dates, the last 90 days (as the
    specification suggests), at most 1000."""
    statement = select(Complaint).where(Complaint.channel.in_(PUBLISHED_CHANNELS))
    if query.ids is not None:
        statement = statement.where(Complaint.id.in_(query.ids))
    else:
        start = query.start or ((query.end or utcnow()) - DEFAULT_WINDOW)
        statement = statement.where(Complaint.received_at >= start)
        if query.end is not None:
            statement = statement.where(Complaint.received_at <= query.end)
    if query.service_code:
        statement = statement.where(Complaint.category.in_(query.service_code.split(",")))
    if query.status:
        closed = [s.value for s in CLOSED_STATES]
        wanted = set(query.status.split(","))
        if wanted - {"open", "closed"}:
            raise Open311Error(400, "status is open or closed")
        if wanted == {"open"}:
            statement = statement.where(Complaint.state.not_in(closed))
        elif wanted == {"closed"}:
            statement = statement.where(Complaint.state.in_(closed))
    return list(session.scalars(statement.order_by(Complaint.received_at.desc()).limit(LIST_LIMIT)))


def get(session: Session, request_id: str) -> Complaint:
    try:
        wanted = uuid.UUID(request_id)
    except ValueError:
        raise Open311Error(404, f"no service request {request_id!r}") from None
    found = find(session, RequestQuery(ids=[wanted]))
    if not found:
        raise Open311Error(404, f"no service request {request_id!r}")
    return found[0]


def agencies(session: Session, complaints_: list[Complaint]) -> dict[str, str]:
    """Who is responsible, by township code: the township's fire station 消防工作站."""
    codes = {c.area_path.split("/")[2] for c in complaints_ if c.area_path.count("/") >= 3}
    if not codes:
        return {}
    names = dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())
    return {code: f"{name}消防工作站" for code, name in names.items()}


def first_photos(session: Session, complaints_: list[Complaint]) -> dict[uuid.UUID, str]:
    """Each report's first photo sent with it (its sha256), by complaint id. Only photos of
    the report: never one a worker took on site."""
    if not complaints_:
        return {}
    first: dict[uuid.UUID, str] = {}
    for complaint_id, sha256 in session.execute(
        select(ComplaintPhoto.complaint_id, ComplaintPhoto.sha256)
        .where(
            ComplaintPhoto.complaint_id.in_([c.id for c in complaints_]),
            ComplaintPhoto.kind == PhotoKind.REPORT.value,
        )
        .order_by(ComplaintPhoto.uploaded_at.desc(), ComplaintPhoto.sha256.desc())
    ):
        first[complaint_id] = sha256  # the earliest comes last
    return first


PUBLIC_PHOTO = re.compile(r"^[0-9a-f]{64}$")


def published_photo(session: Session, settings: Settings, sha256: str) -> Path | str:
    """Where the public copy (no EXIF) of a published report's photo is: a local file, or a
    URL of the store. Anything else, a photo taken on site, a photo of a complaint that is
    not published, a hash nobody sent, is not found, in the same words."""
    missing = Open311Error(404, f"no published photo {sha256!r}")
    if not PUBLIC_PHOTO.match(sha256):
        raise missing
    published = session.scalar(
        select(ComplaintPhoto.sha256)
        .join(Complaint, Complaint.id == ComplaintPhoto.complaint_id)
        .where(
            ComplaintPhoto.sha256 == sha256,
            ComplaintPhoto.kind == PhotoKind.REPORT.value,
            Complaint.channel.in_(PUBLISHED_CHANNELS),
        )
        .limit(1)
    )
    if published is None:
        raise missing
    store = media.store_for(settings)
    key = media.photo_key(sha256, "public", "jpg")
    if not store.exists(key):
        raise missing
    return store.locate(key, public=True)


def routed_areas(session: Session, complaints_: list[Complaint]) -> dict[uuid.UUID, Area]:
    """The area each report was routed to (its grid, or its township outside grids), by id."""
    ids = {c.area_id for c in complaints_ if c.area_id is not None}
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(ids)))}


def status_of(complaint: Complaint) -> str:
    return "closed" if ComplaintState(complaint.state) in CLOSED_STATES else "open"


def status_notes(complaint: Complaint) -> str:
    state = ComplaintState(complaint.state)
    if complaint.reply and state in (ComplaintState.REPLIED, *CLOSED_STATES):
        return complaint.reply
    return STATE_NOTES[state]
