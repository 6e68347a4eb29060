"""Open311 GeoReport v2 over HTTP (fixed paths under `/open311/v2/`, each in `.json` and
`.xml`). Errors take Open311's own shape, which its clients read, not problem+json."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.core.localtime import local_iso
from backend.core.media_responses import file_response
from backend.core.privacy import mask_free_text
from backend.core.settings import Settings
from backend.core.web import answer_errors_under
from backend.identity.dependencies import ReplicaSessionDep, SessionDep, SettingsDep
from complaints import rules
from complaints.models import Complaint
from complaints.open311 import formats, service
from complaints.open311.service import NewRequest, Open311Error, RequestQuery

router = APIRouter(prefix="/open311/v2", tags=["open311"])
answer_errors_under("/open311/", formats.error_for_path)

# A photo's public copy never changes (it is named by the hash of what was sent).
FOREVER = "public, max-age=31536000, immutable"


def cors_options(settings: Settings) -> dict[str, Any]:
    """CORS under /open311/ (backend.core.web.CorsByPath): the origins of
    FIREGRID_OPEN311_CORS_ORIGINS only, no cookies (the api_key is in the request); a POST
    with an Idempotency-Key is preflighted; a retrying app reads Idempotent-Replayed and
    Retry-After."""
    return {
        "allow_origins": settings.open311_cors_origins,
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["Idempotency-Key", "Content-Type", "Accept-Language", "X-Request-ID"],
        "expose_headers": [
            "Idempotent-Replayed",
            "Retry-After",
            "Content-Language",
            "X-Request-ID",
        ],
        "max_age": 3600,
    }


def _guarded(fmt: str, build) -> Response:
    if fmt not in formats.FORMATS:  # answered in JSON, the one a client reads anyway
        return formats.error("json", 404, f"no format {fmt!r}: use .json or .xml")
    try:
        return build(fmt)
    except Open311Error as refusal:
        answer = formats.error(fmt, refusal.code, refusal.description)
        if refusal.retry_after is not None:
            answer.headers["Retry-After"] = str(refusal.retry_after)
        return answer


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request) -> Response:
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    return _guarded(
        fmt,
        lambda f: formats.respond(
            f,
            "discovery",
            None,
            {
                "changeset": "2026-11-24T00:00:00+08:00",
                "contact": "当地消防救援大队 / the county fire rescue brigade",
                "key_service": "api_key: ask the county brigade's administrator",
                "endpoints": [
                    {
                        "specification": "http://wiki.open311.org/GeoReport_v2",
                        "url": base,
                        "changeset": "2026-11-24T00:00:00+08:00",
                        "type": "production",
                        "formats": ["text/xml", "application/json"],
                    }
                ],
            },
        ),
    )


@router.get("/services.{fmt}")
def list_services(fmt: str) -> Response:
    return _guarded(
        fmt,
        lambda f: formats.respond(f, "services", "service", [vars(s) for s in service.services()]),
    )


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str) -> Response:
    def build(f: str) -> Response:
        found = service.service(service_code)
        return formats.respond(
            f, "service_definition", None, {"service_code": found.service_code, "attributes": []}
        )

    return _guarded(fmt, build)


def _float(form, name: str) -> float | None:
    raw = (_text(form, name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None


async def _form(request: Request, settings: Settings) -> FormData | Open311Error:
    """The body, form-encoded or multipart/form-data; at most open311_max_photos files."""
    try:
        return await request.form(max_files=settings.open311_max_photos)
    except StarletteHTTPException as refused:
        if str(refused.detail).startswith("Too many files"):
            try:
                service.refuse_too_many_photos(settings)
            except Open311Error as too_many:
                return too_many
        raise


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if isinstance(value, UploadFile):
        raise Open311Error(400, f"{name} is a text field, not a file")
    return value


def _media(form: FormData) -> list[bytes]:
    """The photos in `media` (the GeoReport v2 media extension), as sent (the body's limit
    bounds them: open311_max_photos times photo_max_bytes)."""
    data = []
    for part in form.getlist("media"):
        if isinstance(part, str) and not part:
            continue  # a web form's file input left empty, as some clients send it
        if not isinstance(part, UploadFile):
            raise Open311Error(400, "media must be a file: send the report as multipart/form-data")
        part.file.seek(0)
        sent = part.file.read()
        if sent or part.filename:  # not a web form's file input left empty
            data.append(sent)
    return data


@router.post("/requests.{fmt}")
async def post_request(
    fmt: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """A citizen's report: form-encoded, or multipart/form-data with photos in `media`; the
    app's `api_key` in the body or the query string. Rate limited per client address and per
    api_key (429 with Retry-After); an `Idempotency-Key` header makes a retry answer the
    report already taken instead of taking it twice."""
    form = await _form(request, settings)
    try:
        return await run_in_threadpool(_post_request, fmt, request, form, session, settings)
    finally:
        if isinstance(form, FormData):
            await form.close()  # photos spooled to temporary files


def _post_request(
    fmt: str, request: Request, form: FormData | Open311Error, session, settings: Settings
) -> Response:
    def build(f: str) -> Response:
        service.count_report_from(settings, request.client.host if request.client else "")
        if isinstance(form, Open311Error):
            raise form
        api_key = _text(form, "api_key") or request.query_params.get("api_key")
        app = service.app_for_key(session, api_key)
        service.count_report_by_key(settings, api_key)  # type: ignore[arg-type]
        retry_key = service.idempotency_key(request.headers.get("idempotency-key"))
        report = NewRequest(
            service_code=_text(form, "service_code"),
            lat=_float(form, "lat"),
            long=_float(form, "long"),
            address_string=_text(form, "address_string"),
            description=_text(form, "description"),
            first_name=_text(form, "first_name"),
            last_name=_text(form, "last_name"),
            phone=_text(form, "phone"),
            device_id=_text(form, "device_id"),
            crs=_text(form, "crs"),
        )
        taken = service.submit_once(
            session,
            app,
            api_key,  # type: ignore[arg-type]
            retry_key,
            report,
            settings,
            _media(form),
        )
        answer = formats.respond(
            f,
            "service_requests",
            "request",
            [
                {
                    "service_request_id": str(taken.complaint.id),
                    "service_notice": "已受理，将在期限内核查答复 Received; it will be checked and answered by "
                    + local_iso(taken.complaint.reply_due_at),
                    "account_id": None,
                }
            ],
            201,
        )
        if taken.replayed:
            answer.headers["Idempotent-Replayed"] = "true"
        return answer

    return _guarded(fmt, build)  # in a worker thread: photos and database work


def _when(raw: str | None, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            400, f"{name} must be a W3C date-time, e.g. 2026-11-24T09:00:00+08:00"
        ) from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name} needs a time zone (Z or +08:00)")
    return moment


def _extensions(request: Request) -> bool:
    raw = (request.query_params.get("extensions") or "false").strip().lower()
    if raw not in ("true", "false"):
        raise Open311Error(400, "extensions is true or false")
    return raw == "true"


def _requests_out(session, found: list[Complaint], request: Request) -> list[dict]:
    agencies = service.agencies(session, found)
    names = {s.service_code: s.service_name for s in service.services()}
    photos = service.first_photos(session, found)
    media_base = str(request.url_for("open311_media", sha256="-")).removesuffix("-.jpg")
    extended = _extensions(request)
    areas = service.routed_areas(session, found) if extended else {}
    out = []
    for c in found:
        township = c.area_path.split("/")[2] if c.area_path.count("/") >= 3 else None
        entry = {
            "service_request_id": str(c.id),
            "status": service.status_of(c),
            "status_notes": mask_free_text(service.status_notes(c)),
            "service_name": names.get(c.category or "other"),
            "service_code": c.category or "other",
            "description": mask_free_text(c.text),
            "agency_responsible": agencies.get(township or ""),
            "service_notice": None,
            "requested_datetime": local_iso(c.received_at),
            "updated_datetime": local_iso(c.updated_at),
            "expected_datetime": local_iso(rules.due_of(c) or c.reply_due_at),
            "address": mask_free_text(c.address) or None,
            "address_id": None,
            "zipcode": None,
            "lat": c.lat,
            "long": c.lng,
            "media_url": f"{media_base}{photos[c.id]}.jpg" if c.id in photos else None,
        }
        if extended:
            entry["extended_attributes"] = _extended(c, areas.get(c.area_id))  # type: ignore[arg-type]
        out.append(entry)
    return out


def _extended(complaint: Complaint, area) -> dict:
    """Where routing put the report: its grid (or township outside grids), by code and name,
    and the point as the app sent it, with its crs. Never who handles it."""
    return {
        "area_level": area.level if area else None,
        "area_code": area.code if area else None,
        "area_name": area.name if area else None,
        "crs": complaint.raw_crs,
        "raw_lat": complaint.raw_lat,
        "raw_long": complaint.raw_lng,
    }


@router.get("/requests.{fmt}")
def list_requests(fmt: str, request: Request, session: ReplicaSessionDep) -> Response:
    params = request.query_params

    def build(f: str) -> Response:
        ids = None
        if params.get("service_request_id"):
            ids = []
            for raw in params["service_request_id"].split(","):
                try:
                    ids.append(uuid.UUID(raw.strip()))
                except ValueError:
                    raise Open311Error(400, f"service_request_id {raw!r} is not an id") from None
        query = RequestQuery(
            ids=ids,
            service_code=params.get("service_code"),
            start=_when(params.get("start_date"), "start_date"),
            end=_when(params.get("end_date"), "end_date"),
            status=params.get("status"),
        )
        found = service.find(session, query)
        return formats.respond(
            f, "service_requests", "request", _requests_out(session, found, request)
        )

    return _guarded(fmt, build)


@router.get("/requests/{service_request_id}.{fmt}")
def get_request(
    service_request_id: str, fmt: str, request: Request, session: ReplicaSessionDep
) -> Response:
    return _guarded(
        fmt,
        lambda f: formats.respond(
            f,
            "service_requests",
            "request",
            _requests_out(session, [service.get(session, service_request_id)], request),
        ),
    )


@router.get("/media/{sha256}.jpg", name="open311_media", response_class=FileResponse)
def get_media(sha256: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The public copy (at most 1280 px, no EXIF) of a photo sent with a published report,
    as `media_url` names it. Nothing else: not a photo taken on site, not a photo of a
    hotline complaint; those and unknown hashes are 404 alike."""

    def build(_: str) -> Response:
        where = service.published_photo(session, settings, sha256)
        return file_response(where, "image/jpeg", {"Cache-Control": FOREVER})

    return _guarded("json", build)
