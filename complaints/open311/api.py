"""Open311 GeoReport v2 over HTTP (fixed paths under `/open311/v2/`, each in `.json` and
`.xml`). Errors take Open311's own shape, which its clients read, not problem+json."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from backend.core.localtime import local_iso
from backend.core.privacy import mask_free_text
from backend.core.web import answer_errors_under
from backend.identity.dependencies import SessionDep, SettingsDep
from complaints import rules
from complaints.models import Complaint
from complaints.open311 import formats, service
from complaints.open311.service import NewRequest, Open311Error, RequestQuery

router = APIRouter(prefix="/open311/v2", tags=["open311"])
answer_errors_under("/open311/", formats.error_for_path)


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
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None


@router.post("/requests.{fmt}")
async def post_request(
    fmt: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """A citizen's report (form-encoded, with the app's `api_key`). Rate limited per client
    address and per api_key (429 with Retry-After); an `Idempotency-Key` header makes a retry
    answer the report already taken instead of taking it twice."""
    form = await request.form()

    def build(f: str) -> Response:
        service.count_report_from(settings, request.client.host if request.client else "")
        api_key = form.get("api_key")
        app = service.app_for_key(session, api_key)
        service.count_report_by_key(settings, api_key)
        taken = service.submit_once(
            session,
            app,
            api_key,
            service.idempotency_key(request.headers.get("idempotency-key")),
            NewRequest(
                service_code=form.get("service_code"),
                lat=_float(form, "lat"),
                long=_float(form, "long"),
                address_string=form.get("address_string"),
                description=form.get("description"),
                first_name=form.get("first_name"),
                last_name=form.get("last_name"),
                phone=form.get("phone"),
                device_id=form.get("device_id"),
            ),
            settings,
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

    return await run_in_threadpool(_guarded, fmt, build)  # database work off the event loop


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


def _requests_out(session, found: list[Complaint]) -> list[dict]:
    agencies = service.agencies(session, found)
    names = {s.service_code: s.service_name for s in service.services()}
    out = []
    for c in found:
        township = c.area_path.split("/")[2] if c.area_path.count("/") >= 3 else None
        out.append(
            {
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
                "media_url": None,
            }
        )
    return out


@router.get("/requests.{fmt}")
def list_requests(fmt: str, request: Request, session: SessionDep) -> Response:
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
        return formats.respond(f, "service_requests", "request", _requests_out(session, found))

    return _guarded(fmt, build)


@router.get("/requests/{service_request_id}.{fmt}")
def get_request(service_request_id: str, fmt: str, session: SessionDep) -> Response:
    return _guarded(
        fmt,
        lambda f: formats.respond(
            f,
            "service_requests",
            "request",
            _requests_out(session, [service.get(session, service_request_id)]),
        ),
    )
