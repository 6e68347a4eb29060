"""Reports from the citizens' page, followed by their code. No web imports.

A report is a complaint of the web channel sent by the page's own integration client
(`page_client`, scoped to FIREGRID_CITIZEN_AREA), so it is routed, dispatched, verified,
answered and closed like any other complaint, and nothing of the page is special after intake.
What the reporter holds is a follow code (and an upload token for their photos); what they
read back is the report's stages in plain words, the reply and the photos, masked as anything
published is, never who works on it. After closure they may say "not fixed" once within
FIREGRID_CITIZEN_DISPUTE_DAYS, with a photo: the complaint is reopened with the worker and the
station staff who closed it are told.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime, timedelta

from shapely.geometry import Point
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from backend.core import audit, challenge, dialect, media
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound, Problem, TooManyRequests
from backend.core.privacy import mask_free_text
from backend.core.rate_limits import Limit
from backend.core.security import phone_digest
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from backend.notify import service as notify
from backend.notify import texts
from complaints import acting, intake
from complaints.citizens import codes
from complaints.citizens.schemas import (
    ChallengeIn,
    ChallengeOut,
    DisputeIn,
    FormOut,
    LimitsOut,
    MapOut,
    Named,
    PhotoDeclared,
    PhotoOut,
    ReportIn,
    ReportTaken,
    ReportView,
    StageOut,
    UploadOut,
)
from complaints.enums import (
    Channel,
    CitizenPhotoState,
    ComplaintAction,
    ComplaintState,
    ComplaintType,
    PhotoKind,
)
from complaints.models import (
    CitizenPhoto,
    CitizenReport,
    Complaint,
    ComplaintCaller,
    ComplaintPhoto,
)
from complaints.open311.service import SERVICE_NAMES
from complaints.schemas import Caller, ComplaintActionIn, ComplaintIntake, Location
from grids import workforce
from grids.enums import AreaLevel
from grids.models import Area
from grids.service import (
    OutsideDeployment,
    area_shape,
    place_point,
    point_problems,
    refuse_unusable_point,
)

PAGE_CLIENT = "citizen.page"
UPLOAD_ENDPOINT = "/api/v1/citizen/uploads/"
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")

# The stages a reporter reads, in order, with the complaint's moment of each.
STAGES: list[tuple[str, str, str]] = [
    ("received", "已受理", "received_at"),
    ("dispatched", "已派发网格员", "dispatched_at"),
    ("verified", "已现场核查", "verified_at"),
    ("replied", "已答复", "replied_at"),
    ("closed", "已办结", "closed_at"),
]
TOLD_STAGES = ["dispatched", "verified", "replied", "closed"]
STATE_NAMES = {
    ComplaintState.RECEIVED: "已受理，正在分派",
    ComplaintState.DISPATCHED: "已派发网格员",
    ComplaintState.SIGNED: "网格员已签收，将到现场核查",
    ComplaintState.VERIFYING: "已现场核查，正在答复",
    ComplaintState.REPLIED: "已答复，待办结",
    ComplaintState.CLOSED: "已办结",
    ComplaintState.CALLBACK_DONE: "已办结",
    ComplaintState.UNSATISFIED: "待重新办理",
    ComplaintState.REOPENED: "重新办理中",
}
DISPUTABLE = (ComplaintState.CLOSED, ComplaintState.CALLBACK_DONE)


class PageClosed(NotFound):
    """Not a fault of the server: the deployment has not opened the page (a 404, so that no
    monitor pages anyone at night for it)."""

    slug, title = "citizen-page-closed", "The citizens' page is not open here"


class ReportGone(NotFound):
    slug, title = "no-such-report", "No report has this follow code"


class DisputeRefused(Conflict):
    slug, title = "dispute-refused", "This report cannot be said not fixed now"


class IdempotencyKeyReused(Problem):
    status, slug, title = (
        422,
        "idempotency-key-reused",
        "The Idempotency-Key was used for another report",
    )


# --- The page's client and form ---------------------------------------------------------------------


def page_area(session: Session, settings: Settings) -> Area:
    area, _ = _page(session, settings)
    return area


# The statements every report and every form runs, built once (building one costs more than
# running it). The area's shape (a county's has thousands of vertices) only when the form's
# map needs it.
_PAGE = (
    select(Area, User)
    .outerjoin(User, User.username == PAGE_CLIENT)
    .where(Area.code == bindparam("code"))
    .options(defer(Area.geom))
)
_BY_RETRY_KEY = select(CitizenReport).where(CitizenReport.idempotency_key == bindparam("key"))
_PHOTO_IDS_TAKEN = select(CitizenPhoto.id).where(
    CitizenPhoto.id.in_(bindparam("ids", expanding=True))
)
_BY_UPLOAD_DIGEST = (
    select(User.id, CitizenReport.complaint_id, CitizenReport.upload_expires_at)
    .join(Complaint, Complaint.id == CitizenReport.complaint_id)
    .join(User, User.id == Complaint.partner_id)
    .where(CitizenReport.upload_digest == bindparam("digest"))
)


def _page(session: Session, settings: Settings) -> tuple[Area, User | None]:
    """The page's area and its client (None before the first report), in one query: every
    report and every visitor's form asks."""
    if not settings.citizen_area:
        raise PageClosed("reports from the page are not taken here (FIREGRID_CITIZEN_AREA unset)")
    found = session.execute(_PAGE, {"code": settings.citizen_area}).one_or_none()
    if found is None or AreaLevel(found[0].level) not in (AreaLevel.COUNTY, AreaLevel.TOWNSHIP):
        raise PageClosed(
            f"FIREGRID_CITIZEN_AREA {settings.citizen_area!r} is not a county or township here"
        )
    return found[0], found[1]


def page_client(session: Session, settings: Settings) -> Principal:
    client, _ = _page_client(session, settings)
    return client


def _page_client(session: Session, settings: Settings) -> tuple[Principal, Area]:
    """The integration client the page's reports come from, scoped to the page's area (and
    that area); made on first use, and moved when the setting names another area."""
    area, user = _page(session, settings)
    if user is None:
        user = workforce.place_user(
            session,
            area=area,
            username=PAGE_CLIENT,
            password=None,
            role=Role.INTEGRATION,
            display_name="群众随手拍网页",
            certificate_number=None,
            certificate_expires_on=None,
            actor=audit.Actor(id=None, role="system"),
        )
    elif user.scope_area_id != area.id:
        user.scope_area_id = area.id
        session.flush()
    return Principal.of(user), area


def form(session: Session, settings: Settings) -> FormOut:
    try:
        area = page_area(session, settings)
    except PageClosed:
        return FormOut(enabled=False)
    (min_x, min_y, max_x, max_y), point = _outline(area)
    issued = challenge.issue(settings.resolved_secret_key, settings.citizen_challenge_bits)
    return FormOut(
        enabled=True,
        area_name=area.name,
        categories=[Named(code=c.value, name=zh) for c, (zh, _) in SERVICE_NAMES.items()],
        stages=[Named(code=code, name=name) for code, name, _ in STAGES if code in TOLD_STAGES],
        challenge=ChallengeOut(token=issued.token, bits=issued.bits),
        limits=LimitsOut(
            photos=settings.citizen_photos_max,
            photo_bytes=settings.photo_max_bytes,
            description=2000,
        ),
        dispute_days=settings.citizen_dispute_days,
        map=MapOut(
            center=(point.x, point.y),
            bbox=(min_x, min_y, max_x, max_y),
            tiles=settings.basemap_url,
            tiles_crs=settings.basemap_crs,
            areas_url="/api/v1/citizen/areas",
        ),
        public_map=settings.citizen_public_map,
    )


_OUTLINES: dict[tuple[uuid.UUID, int], tuple[tuple[float, ...], Point]] = {}


def _outline(area: Area) -> tuple[tuple[float, ...], Point]:
    """The area's bounds and a point inside it, for the form's map: read from its shape once
    per version of the area (a county's shape has thousands of vertices, and every visitor
    asks for the form)."""
    key = (area.id, area.version)
    if key not in _OUTLINES:
        if len(_OUTLINES) > 64:
            _OUTLINES.clear()
        shape = area_shape(area)
        _OUTLINES[key] = (shape.bounds, shape.representative_point())
    return _OUTLINES[key]


def areas(session: Session, settings: Settings) -> dict:
    """The townships the page serves (or the one it is), simplified to about 20 m, as GeoJSON:
    the page draws them when there is no basemap, so a person can place the pin."""
    area = page_area(session, settings)
    shown = session.scalars(
        select(Area)
        .where(
            (Area.id == area.id)
            if AreaLevel(area.level) is AreaLevel.TOWNSHIP
            else (Area.parent_id == area.id)
        )
        .order_by(Area.code)
    ).all()
    features = []
    for township in shown:
        shape = area_shape(township).simplify(0.0002, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": township.code, "name": township.name},
                "geometry": shape.__geo_interface__,
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- Taking a report --------------------------------------------------------------------------------


def idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = raw.strip().strip('"')
    if not IDEMPOTENCY_KEY.match(value):
        raise InvalidInput(
            "Idempotency-Key must be 1 to 64 visible ASCII characters", field="Idempotency-Key"
        )
    return value


def _request_digest(body: ReportIn) -> str:
    sent = body.model_dump(mode="json", exclude={"challenge"})
    return hashlib.sha256(json.dumps(sent, sort_keys=True).encode()).hexdigest()


def _upload(settings: Settings, complaint_id: uuid.UUID, expires_at: datetime) -> UploadOut:
    return UploadOut(
        endpoint=UPLOAD_ENDPOINT,
        token=codes.upload_token(settings.resolved_secret_key, complaint_id),
        expires_at=expires_at,
    )


def _taken(
    settings: Settings, complaint_id: uuid.UUID, received_at: datetime, upload_expires_at: datetime
) -> ReportTaken:
    return ReportTaken(
        follow_code=codes.follow_code(settings.resolved_secret_key, complaint_id),
        received_at=received_at,
        upload=_upload(settings, complaint_id, upload_expires_at),
    )


def count_attempt(
    name: str,
    spec: str,
    settings: Settings,
    who: str,
    said: str,
    field: str,
    *,
    codes_asked: bool = False,
) -> None:
    """Count one attempt by `who` against the limit `spec` (a `limits` string), refused over
    it with the seconds to wait (a report, or with `codes_asked` a code texted)."""
    wait = Limit(name, spec, settings.rate_limit_storage).hit(who)
    if wait is not None and codes_asked:
        raise TooManyRequests(
            f"too many codes asked {said}; try again in {wait} s",
            retry_after_seconds=wait,
            field=field,
        )
    if wait is not None:
        raise TooManyRequests(
            f"too many reports {said}; try again in {wait} s",
            retry_after_seconds=wait,
            field=field,
        )


def _check_photos(photos: list[PhotoDeclared], settings: Settings, field: str) -> None:
    if len(photos) > settings.citizen_photos_max:
        raise InvalidInput(
            f"a report carries at most {settings.citizen_photos_max} photos", field=field
        )
    if len({p.id for p in photos}) != len(photos):
        raise InvalidInput("two photos have the same id", field=field)
    for index, photo in enumerate(photos):
        if photo.size > settings.photo_max_bytes:
            raise InvalidInput(
                f"a photo may have at most {settings.photo_max_bytes} bytes",
                field=f"{field}[{index}].size",
            )


def check_challenge(answer: ChallengeIn, settings: Settings) -> None:
    challenge.check(
        settings.resolved_secret_key,
        answer.token,
        answer.nonce,
        least_bits=settings.citizen_challenge_bits,
        storage_uri=settings.rate_limit_storage,
    )


def _refuse_taken_photo_ids(session: Session, photos: list[PhotoDeclared]) -> None:
    if not photos:
        return
    taken = session.scalars(_PHOTO_IDS_TAKEN, {"ids": [p.id for p in photos]}).all()
    if taken:
        raise Conflict(f"photo id {taken[0]} is already used; make a new one", field="photos")


def _declare(
    session: Session, complaint_id: uuid.UUID, photos: list[PhotoDeclared], kind: PhotoKind
) -> None:
    """The photos the report (or the "not fixed") declares, waiting for their bytes; their ids
    were checked unused (`_refuse_taken_photo_ids`)."""
    if not photos:
        return
    now = utcnow()
    session.execute(
        CitizenPhoto.__table__.insert(),
        [
            {
                "id": p.id,
                "complaint_id": complaint_id,
                "kind": kind.value,
                "sha256": p.sha256,
                "size": p.size,
                "state": CitizenPhotoState.PENDING.value,
                "reason": None,
                "created_at": now,
            }
            for p in photos
        ],
    )


def submit(
    session: Session,
    settings: Settings,
    body: ReportIn,
    client_address: str,
    retry_key: str | None,
) -> tuple[ReportTaken, bool]:
    """Take a report; (what the page is told, whether it was taken before under this
    Idempotency-Key, when nothing new is stored). A retry is answered before the challenge is
    checked again: a phone that lost the answer on a bad connection sends the same body, whose
    challenge is spent."""
    client, served = _page_client(session, settings)
    digest = _request_digest(body)
    if retry_key is not None:
        replayed = _replay(session, settings, retry_key, digest)
        if replayed is not None:
            return replayed, True
    count_attempt(
        "citizen-address",
        settings.citizen_limit_per_address,
        settings,
        client_address,
        "from this address",
        "client",
    )
    if body.phone:
        count_attempt(
            "citizen-phone",
            settings.citizen_limit_per_phone,
            settings,
            phone_digest(settings.resolved_secret_key, body.phone),
            "for this phone number",
            "phone",
        )
    unknown = sorted(set(body.wants) - set(TOLD_STAGES))
    if unknown:
        raise InvalidInput(f"no stage {unknown[0]!r} to be told of", field="wants")
    if body.wants and not body.phone:
        raise InvalidInput("to be told of stages, give a phone number", field="phone")
    _check_photos(body.photos, settings, "photos")
    _, placement = place_point(session, body.lng, body.lat, body.crs, settings.routing_snap_m)
    refuse_unusable_point(body.lng, body.lat, placement)
    if not placement.area_path.startswith(served.path):  # type: ignore[union-attr]
        raise OutsideDeployment(
            "the point is outside the area this page serves: report it to that area's page "
            "or call 96119",
            errors=point_problems("outside the area this page serves"),
        )
    check_challenge(body.challenge, settings)
    _refuse_taken_photo_ids(session, body.photos)
    try:
        complaint, _ = intake.receive(
            session,
            client,
            ComplaintIntake(
                channel=Channel.WEB,
                external_id=f"web-{uuid.uuid4()}",
                received_at=utcnow(),
                type=ComplaintType.REPORT,
                text=body.description,
                address=body.address,
                location=Location(lng=body.lng, lat=body.lat, crs=body.crs),
                caller=Caller(phone=body.phone) if body.phone else None,
                anonymous=body.phone is None,
                category=body.category,
            ),
            settings,
            own_key=True,
        )
        upload_expires_at = utcnow() + timedelta(hours=settings.citizen_upload_hours)
        session.execute(
            CitizenReport.__table__.insert(),
            [
                {
                    "complaint_id": complaint.id,
                    "follow_digest": codes.digest(
                        codes.follow_code(settings.resolved_secret_key, complaint.id)
                    ),
                    "idempotency_key": retry_key,
                    "request_digest": digest,
                    "upload_digest": codes.digest(
                        codes.upload_token(settings.resolved_secret_key, complaint.id)
                    ),
                    "upload_expires_at": upload_expires_at,
                    "wants": sorted(set(body.wants)),
                }
            ],
        )
        _declare(session, complaint.id, body.photos, PhotoKind.REPORT)
    except IntegrityError:
        # The same Idempotency-Key at the same moment: the other request took the report.
        # What this one wrote goes; the other's report is read in a transaction of its own.
        if retry_key is None:
            raise
        session.rollback()
        replayed = _replay(session, settings, retry_key, digest)
        if replayed is None:
            raise
        return replayed, True
    return _taken(settings, complaint.id, complaint.received_at, upload_expires_at), False


def _replay(
    session: Session, settings: Settings, retry_key: str, digest: str
) -> ReportTaken | None:
    report = session.scalar(_BY_RETRY_KEY, {"key": retry_key})
    if report is None:
        return None
    if report.request_digest != digest:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was sent with another report; make a new key for a new report",
            field="Idempotency-Key",
        )
    received_at = session.scalar(
        select(Complaint.received_at).where(Complaint.id == report.complaint_id)
    )
    return _taken(settings, report.complaint_id, received_at, report.upload_expires_at)


# --- Following it -----------------------------------------------------------------------------------


def by_code(session: Session, settings: Settings, typed: str) -> tuple[CitizenReport, Complaint]:
    code = codes.normalised(typed)
    report = (
        session.scalar(
            select(CitizenReport).where(CitizenReport.follow_digest == codes.digest(code))
        )
        if code
        else None
    )
    if report is None:
        raise ReportGone("no report has this follow code; check it and try again", field="code")
    return report, session.get(Complaint, report.complaint_id)


def _dispute_until(settings: Settings, complaint: Complaint):
    if complaint.closed_at is None or ComplaintState(complaint.state) not in DISPUTABLE:
        return None
    return complaint.closed_at + timedelta(days=settings.citizen_dispute_days)


def view(session: Session, settings: Settings, typed: str) -> ReportView:
    report, complaint = by_code(session, settings, typed)
    code = codes.follow_code(settings.resolved_secret_key, complaint.id)
    stages = [
        StageOut(code=c, name=name, at=getattr(complaint, column)) for c, name, column in STAGES
    ]
    if report.disputed_at is not None:
        # Redoing it cleared the complaint's closing; the reporter still reads when it was.
        stages[-1].at = stages[-1].at or _last_closing(session, complaint.id)[1]
        stages.append(StageOut(code="reopened", name="反馈未整改，重新办理", at=report.disputed_at))
    photos = session.scalars(
        select(ComplaintPhoto)
        .where(ComplaintPhoto.complaint_id == complaint.id)
        .order_by(ComplaintPhoto.uploaded_at)
    ).all()
    own = [p for p in photos if p.kind in (PhotoKind.REPORT.value, PhotoKind.DISPUTE.value)]
    site = [p for p in photos if p.kind == PhotoKind.SITE.value] if complaint.replied_at else []
    waiting = session.scalar(
        select(func.count()).where(
            CitizenPhoto.complaint_id == complaint.id,
            CitizenPhoto.state == CitizenPhotoState.PENDING.value,
        )
    )
    until = _dispute_until(settings, complaint)
    state = ComplaintState(complaint.state)
    names = {c.value: zh for c, (zh, _) in SERVICE_NAMES.items()}

    def url(photo: ComplaintPhoto) -> str:
        return f"/api/v1/citizen/reports/{code}/photos/{photo.sha256}.jpg"

    return ReportView(
        follow_code=code,
        category=complaint.category,
        category_name=names.get(complaint.category or ""),
        description=mask_free_text(complaint.text),
        received_at=complaint.received_at,
        state=state.value,
        state_name=STATE_NAMES[state],
        stages=stages,
        reply=mask_free_text(complaint.reply) if complaint.reply else None,
        photos=[PhotoOut(kind=p.kind, url=url(p)) for p in own],
        after_photos=[PhotoOut(kind=p.kind, url=url(p)) for p in site],
        photos_waiting=waiting or 0,
        may_dispute=bool(until and report.disputed_at is None and utcnow() <= until),
        dispute_until=until,
        disputed_at=report.disputed_at,
    )


def photo(session: Session, settings: Settings, typed: str, sha256: str) -> media.Located:
    """The public copy (no EXIF) of a photo the report's view shows; any other is not found."""
    _, complaint = by_code(session, settings, typed)
    found = session.get(ComplaintPhoto, (complaint.id, sha256))
    shown = found is not None and (
        found.kind != PhotoKind.SITE.value or complaint.replied_at is not None
    )
    if not shown:
        raise NotFound(f"the report has no photo {sha256}", field="sha256")
    return media.store_for(settings).locate(media.photo_key(sha256, "public", "jpg"), public=True)


def dispute(
    session: Session, settings: Settings, typed: str, body: DisputeIn
) -> tuple[ReportView, UploadOut]:
    """The reporter says it is not fixed: once, within the window after closure, with at least
    one photo. The complaint goes back to its worker (重办) and whoever closed it is told."""
    report, complaint = by_code(session, settings, typed)
    until = _dispute_until(settings, complaint)
    if report.disputed_at is not None:
        raise DisputeRefused("you said it was not fixed already; the report is being redone")
    if until is None:
        raise DisputeRefused("the report is not closed yet: it is still being worked on")
    if utcnow() > until:
        raise DisputeRefused(
            f"the {settings.citizen_dispute_days} days to say it is not fixed have passed; "
            "send a new report"
        )
    _check_photos(body.photos, settings, "photos")
    check_challenge(body.challenge, settings)
    _refuse_taken_photo_ids(session, body.photos)
    client = page_client(session, settings)
    closer, _ = _last_closing(session, complaint.id)
    acting.act(
        session,
        client,
        complaint.id,
        ComplaintActionIn(action=ComplaintAction.NOT_FIXED, note=body.note),
        settings,
    )
    now = utcnow()
    report.disputed_at, report.dispute_note = now, body.note
    report.upload_expires_at = now + timedelta(hours=settings.citizen_upload_hours)
    _declare(session, complaint.id, body.photos, PhotoKind.DISPUTE)
    session.flush()
    if closer is not None:
        notify.push(
            session,
            [closer],
            title="群众反馈未整改",
            body=f"您办结的举报被群众反馈未整改，已重新办理：{mask_free_text(body.note)[:60]}",
            data={"complaint_id": str(complaint.id), "kind": "complaint.not_fixed"},
        )
    return view(session, settings, typed), _upload(
        settings, report.complaint_id, report.upload_expires_at
    )


def _last_closing(
    session: Session, complaint_id: uuid.UUID
) -> tuple[uuid.UUID | None, datetime | None]:
    """Who closed the complaint last, and when (None, None if nobody has)."""
    closings = [
        e
        for e in audit.events_for(session, "complaint", complaint_id)
        if e.action == f"complaint.{ComplaintAction.CLOSE.value}"
    ]
    return (closings[-1].actor_id, closings[-1].occurred_at) if closings else (None, None)


# --- Telling the reporter ---------------------------------------------------------------------------

# The stage a step reaches, as the reporter named it in `wants`.
STAGE_OF = {
    ComplaintAction.DISPATCH: "dispatched",
    ComplaintAction.VERIFY: "verified",
    ComplaintAction.REPLY: "replied",
    ComplaintAction.REFER: "replied",  # transferred to another department: the answer is out
    ComplaintAction.CLOSE: "closed",
}
STAGE_TEMPLATE = "citizen_stage"  # a key of FIREGRID_SMS_TEMPLATE_CODES


def tell_reporter(
    session: Session, complaint: Complaint, action: ComplaintAction, settings: Settings
) -> None:
    """A text to the phone a reporter from the page left, for a stage they asked to be told of
    (the lifecycle's TELL_REPORTER effect): the follow code and the stage in plain words,
    through the SMS template `citizen_stage`. Reports from elsewhere, and reporters who asked
    for nothing or left no phone, are not texted."""
    stage = STAGE_OF.get(action)
    if complaint.channel != Channel.WEB.value or stage is None:
        return
    report = session.get(CitizenReport, complaint.id)
    caller = session.get(ComplaintCaller, complaint.id)
    if report is None or stage not in report.wants or caller is None or not caller.sealed_phone:
        return
    code = codes.follow_code(settings.resolved_secret_key, complaint.id)
    name = dict((c, n) for c, n, _ in STAGES)[stage]
    texts.queue_text_to_sealed_phone(
        session,
        complaint.partner_id,
        caller.sealed_phone,
        STAGE_TEMPLATE,
        {"code": code, "stage": name},
        f"随手拍 {code}：{name}",
    )


# --- Its photos' bytes (tus, offline_sync.uploads) --------------------------------------------------


def looks_like_upload_token(token: str | None) -> bool:
    return bool(token) and token.startswith(codes.UPLOAD_PREFIX)  # type: ignore[union-attr]


def uploader_for_token(session: Session, token: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(the page client's user id, the complaint) of the report whose upload token this is,
    while it lasts; None for any other string."""
    if not looks_like_upload_token(token):
        return None
    found = session.execute(_BY_UPLOAD_DIGEST, {"digest": codes.digest(token)}).one_or_none()
    if found is None or found.upload_expires_at <= utcnow():
        return None
    return found.id, found.complaint_id


def keep_photo(session: Session, photo_id: uuid.UUID, data: bytes, settings: Settings) -> None:
    """A declared photo's bytes have all arrived: processed (refused with the reason when they
    are not a usable image) and kept with the complaint as the kind it was declared. The
    declaration is settled by one conditional update, so that of two uploads of the same
    photo racing here one keeps it."""
    try:
        processed = media.process(
            data, max_bytes=settings.photo_max_bytes, max_pixels=settings.photo_max_pixels
        )
    except Problem as refusal:
        session.execute(
            _SETTLE_DECLARED,
            {
                "photo_id": photo_id,
                "new_state": CitizenPhotoState.REFUSED.value,
                "new_reason": f"{refusal.title}: {refusal.detail}",
            },
        )
        return
    declared = session.execute(
        _SETTLE_DECLARED,
        {"photo_id": photo_id, "new_state": CitizenPhotoState.STORED.value, "new_reason": None},
    ).one_or_none()
    if declared is None:
        return  # not declared, or settled already
    kept = ComplaintPhoto.of(declared.complaint_id, processed, kind=declared.kind, uploaded_by=None)
    dialect.inserted_unless_present(
        session,
        ComplaintPhoto.__table__,
        [{c.key: getattr(kept, c.key) for c in ComplaintPhoto.__table__.columns}],
        ["complaint_id", "sha256"],
    )
    audit.record(
        session,
        actor=audit.Actor(id=None, role="citizen"),
        action="complaint.citizen_photo_added",
        subject_type="complaint",
        subject_id=declared.complaint_id,
        after={"sha256": processed.sha256, "kind": declared.kind},
    )
    media.store_for(settings).put_photo(processed)


_citizen_photos = CitizenPhoto.__table__
_SETTLE_DECLARED = (
    _citizen_photos.update()
    .where(
        _citizen_photos.c.id == bindparam("photo_id"),
        _citizen_photos.c.state == CitizenPhotoState.PENDING.value,
    )
    .values(state=bindparam("new_state"), reason=bindparam("new_reason"))
    .returning(_citizen_photos.c.complaint_id, _citizen_photos.c.kind)
)
