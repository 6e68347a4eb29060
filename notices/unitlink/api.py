"""The unit's API, under /api/v1/unit-link/ (docs/unit-page.md). No sign-in: the link's key
(`Authorization: Bearer ulk_…`, read by the page from the texted link's fragment, so it is in
no URL a server logs) opens the unit's own hazards and notices. Thin: the rules are in
notices.unitlink.service."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from backend.core.web import IMAGE_BODY
from backend.identity.dependencies import SessionDep, SettingsDep, oauth2_scheme
from hazards.enums import ExtensionState
from notices import service as notices
from notices.unitlink import service
from notices.unitlink.models import UnitLink
from notices.unitlink.schemas import (
    ExtensionIn,
    ExtensionOut,
    PhotoTaken,
    ReportIn,
    UnitHazardOut,
    UnitView,
)

router = APIRouter(prefix="/api/v1/unit-link", tags=["unit link"])
NO_STORE = {"Cache-Control": "no-store"}
_REFUSED = {401: {"description": "The link is wrong or has expired"}, 429: {}}
_NOT_YOURS = {404: {"description": "No such hazard of your unit"}}


def the_link(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> UnitLink:
    address = request.client.host if request.client else ""
    return service.resolve(session, settings, token, address)


Link = Annotated[UnitLink, Depends(the_link)]


@router.get("", response_model=UnitView, responses=_REFUSED)
def unit_page(link: Link, session: SessionDep, settings: SettingsDep, response: Response):
    """What the unit sees: its open hazards, its notices, the notice the link serves. The
    first time, the link counts as opened."""
    response.headers.update(NO_STORE)
    return service.view(session, settings, link)


@router.post("/receipt", response_model=UnitView, responses={**_REFUSED, 409: {}})
def confirm_receipt(link: Link, session: SessionDep, settings: SettingsDep, response: Response):
    """确认签收: the notice is served now (the hazard's deadline runs from now)."""
    response.headers.update(NO_STORE)
    return service.confirm(session, settings, link)


@router.get(
    "/notices/{notice_id}/pdf",
    response_class=Response,
    responses={**_REFUSED, 404: {}, 200: {"content": {"application/pdf": {}}}},
)
def notice_pdf(
    notice_id: uuid.UUID, link: Link, session: SessionDep, settings: SettingsDep
) -> Response:
    """One of the unit's notices as issued, checked against its recorded sha256."""
    notice, data = service.notice_pdf(session, settings, link, notice_id)
    disposition = (
        f'inline; filename="notice-{notice.id}.pdf"; '
        f"filename*=UTF-8''{quote(notices.file_name(notice), safe='')}"
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": disposition,
            "X-Content-SHA256": notice.pdf_sha256,
            **NO_STORE,
        },
    )


@router.post(
    "/hazards/{hazard_id}/photos",
    response_model=PhotoTaken,
    status_code=201,
    openapi_extra=IMAGE_BODY,
    responses={**_REFUSED, **_NOT_YOURS, 409: {}, 413: {}, 415: {}, 422: {}},
)
async def after_photo(
    hazard_id: uuid.UUID, request: Request, link: Link, session: SessionDep, settings: SettingsDep
) -> PhotoTaken:
    """An after-photo (JPEG, PNG or HEIC, as any hazard photo)."""
    data = await request.body()
    record, count = await run_in_threadpool(
        service.add_photo, session, settings, link, hazard_id, data
    )
    return PhotoTaken(hazard_id=hazard_id, sha256=record.sha256, after_photos=count)


@router.post(
    "/hazards/{hazard_id}/report",
    response_model=UnitHazardOut,
    responses={**_REFUSED, **_NOT_YOURS, 409: {}, 422: {"description": "No after-photo yet"}},
)
def rectification_report(
    hazard_id: uuid.UUID, body: ReportIn, link: Link, session: SessionDep, settings: SettingsDep
) -> UnitHazardOut:
    """整改报告: the rectification submitted, for the grid worker to verify on site."""
    service.submit_report(session, settings, link, hazard_id, body.text)
    page = service.view(session, settings, link)
    return next(h for h in page.hazards if h.id == hazard_id)


@router.post(
    "/hazards/{hazard_id}/extension-requests",
    response_model=ExtensionOut,
    status_code=201,
    responses={**_REFUSED, **_NOT_YOURS, 409: {"description": "One is already waiting"}},
)
def extension_request(
    hazard_id: uuid.UUID, body: ExtensionIn, link: Link, session: SessionDep
) -> ExtensionOut:
    """延期整改申请: more days, with a reason, for the station to grant or refuse."""
    request = service.ask_extension(session, link, hazard_id, body.reason, body.days)
    return ExtensionOut(
        id=request.id,
        hazard_id=request.hazard_id,
        state=ExtensionState(request.state),
        days=request.days,
        requested_at=request.requested_at,
    )
