"""Notices over HTTP. Thin: rules live in notices.service."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from backend.core.web import IMAGE_BODY, Offset
from backend.identity.dependencies import SessionDep, SettingsDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from notices import service
from notices.enums import NoticeKind, NoticeState, ServiceMethod
from notices.models import Notice
from notices.schemas import NoticeOut, ServiceOut
from notices.unitlink import service as links

router = APIRouter(prefix="/api/v1", tags=["notices"])
Reader = Annotated[Principal, Depends(require(Permission.READ_NOTICES))]
Server = Annotated[Principal, Depends(require(Permission.SERVE_NOTICES))]
_NOT_FOUND = {404: {"description": "No such notice in your area"}}


def notice_out(notice: Notice, deadline=None) -> NoticeOut:
    service_out = None
    if notice.served_at is not None:
        service_out = ServiceOut(
            method=ServiceMethod(notice.service_method),
            served_at=notice.served_at,
            served_by=notice.served_by,
            evidence_sha256=notice.evidence_sha256 or "",
            evidence_mime=notice.evidence_mime,
        )
    return NoticeOut(
        id=notice.id,
        kind=NoticeKind(notice.kind),
        title=NoticeKind(notice.kind).label,
        number=notice.number,
        state=NoticeState(notice.state),
        hazard_id=notice.hazard_id,
        assignment_id=notice.assignment_id,
        premises_id=notice.premises_id,
        issuer=notice.issuer,
        unit_name=notice.unit_name,
        unit_address=notice.unit_address,
        period_days=notice.period_days,
        period_working=notice.period_working,
        issued_at=notice.issued_at,
        pdf_sha256=notice.pdf_sha256,
        pdf_size=notice.pdf_size,
        pdf_url=f"/api/v1/notices/{notice.id}/pdf",
        file_name=service.file_name(notice),
        service=service_out,
        rectification_deadline=deadline,
    )


@router.get(
    "/notices",
    response_model=list[NoticeOut],
    responses={
        404: {"description": "No such unit or premises in your area"},
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many notices match, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        },
    },
)
def list_notices(
    principal: Reader,
    session: SessionDep,
    response: Response,
    unserved: Annotated[
        bool,
        Query(description="only those still to serve (issued, or texted and not confirmed)"),
    ] = False,
    state: NoticeState | None = None,
    unit_id: Annotated[
        uuid.UUID | None, Query(description="the notices of the premises this unit runs")
    ] = None,
    premises_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[NoticeOut]:
    """Notices of your area: those to serve (`unserved=true`) longest waiting first, any other
    list newest first. Each with its hazard's deadline as it stands."""
    where = service.NoticeFilter(
        unserved=unserved, state=state, unit_id=unit_id, premises_id=premises_id
    )
    query = service.query_in_scope(session, principal, where)
    response.headers["X-Total-Count"] = str(service.count(session, query))
    found = list(session.scalars(query.limit(limit).offset(offset)))
    deadlines = service.deadlines_of(session, found)
    return [notice_out(n, deadlines.get(n.hazard_id)) for n in found]


@router.get("/notices/{notice_id}", response_model=NoticeOut, responses=_NOT_FOUND)
def get_notice(notice_id: uuid.UUID, principal: Reader, session: SessionDep) -> NoticeOut:
    notice = service.get_visible(session, principal, notice_id)
    return notice_out(notice, service.served_deadline(session, notice))


@router.get(
    "/notices/{notice_id}/pdf",
    response_class=Response,
    responses={**_NOT_FOUND, 200: {"content": {"application/pdf": {}}}},
)
def get_notice_pdf(
    notice_id: uuid.UUID, principal: Reader, session: SessionDep, settings: SettingsDep
) -> Response:
    """The PDF as issued, checked against its recorded sha256 before it is sent."""
    notice, data = service.pdf_of(session, settings, principal, notice_id)
    disposition = (
        f'attachment; filename="notice-{notice.id}.pdf"; '
        f"filename*=UTF-8''{quote(service.file_name(notice), safe='')}"
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": disposition, "X-Content-SHA256": notice.pdf_sha256},
    )


@router.post(
    "/notices/{notice_id}/service",
    response_model=NoticeOut,
    openapi_extra=IMAGE_BODY,
    responses={
        **_NOT_FOUND,
        409: {"description": "Already served"},
        413: {"description": "Too large"},
        415: {"description": "Not JPEG, PNG or HEIC"},
        422: {
            "description": "Unreadable image, a signature not PNG; sms_link: no unit, no "
            "verified phone, or no public address set"
        },
    },
)
async def serve_notice(
    notice_id: uuid.UUID,
    request: Request,
    principal: Server,
    session: SessionDep,
    settings: SettingsDep,
    method: Annotated[
        ServiceMethod,
        Query(
            description="paper: the body is a photo of the signed receipt; on_site: the "
            "signature drawn on the phone, a PNG; sms_link: no body, the link is texted to the "
            "unit's person and the notice is served when they confirm receipt"
        ),
    ],
) -> NoticeOut:
    """Record the notice served now, by the caller: the hazard's deadline runs from now. By
    SMS link: texted now (state `sent`), served when the person confirms receipt."""
    if method is ServiceMethod.SMS_LINK:
        notice = links.send_link(session, settings, principal, notice_id)
        return notice_out(notice, service.served_deadline(session, notice))
    data = await request.body()
    notice = await run_in_threadpool(
        service.serve, session, settings, principal, notice_id, method, data
    )
    return notice_out(notice, service.served_deadline(session, notice))


@router.get(
    "/hazards/{hazard_id}/notices",
    response_model=list[NoticeOut],
    responses={404: {"description": "No such hazard in your area"}},
)
def hazard_notices(hazard_id: uuid.UUID, principal: Reader, session: SessionDep) -> list[NoticeOut]:
    """The hazard's notices, oldest first."""
    return [notice_out(n) for n in service.of_hazard(session, principal, hazard_id)]


@router.get(
    "/premises/{premises_id}/notices",
    response_model=list[NoticeOut],
    responses={404: {"description": "No such premises in your area"}},
)
def premises_notices(
    premises_id: uuid.UUID, principal: Reader, session: SessionDep
) -> list[NoticeOut]:
    """The notices issued to the premises, oldest first: its hazards' orders and recheck
    results, and the results of its random inspections (检查结果告知书, `assignment_id`)."""
    return [notice_out(n) for n in service.of_premises(session, principal, premises_id)]
