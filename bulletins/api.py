"""Bulletins over HTTP. Thin: rules live in bulletins.service, figures in bulletins.figures."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import FileResponse

from backend.core.media_responses import file_response
from backend.core.types import Text
from backend.core.web import Offset
from backend.identity.dependencies import ReplicaSessionDep, SessionDep, SettingsDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from bulletins import service
from bulletins.models import Bulletin
from bulletins.schemas import BulletinDetail, BulletinIn, BulletinOut, Month

router = APIRouter(prefix="/api/v1/bulletins", tags=["bulletins"])
Reader = Annotated[Principal, Depends(require(Permission.READ_BULLETINS))]
_NOT_FOUND = {404: {"description": "No such bulletin in your area"}}


def bulletin_out(bulletin: Bulletin) -> BulletinOut:
    base = f"/api/v1/bulletins/{bulletin.id}"
    return BulletinOut(
        id=bulletin.id,
        area_code=bulletin.area_code,
        area_name=bulletin.area_name,
        area_level=bulletin.area_level,
        month=bulletin.month,
        version=bulletin.version,
        generated_at=bulletin.generated_at,
        by_worker=bulletin.generated_by is None,
        pages=len(bulletin.page_sha256s),
        pdf_size=bulletin.pdf_size,
        pdf_url=f"{base}/pdf",
        file_name=service.file_name(bulletin),
        page_urls=[f"{base}/pages/{n}.png" for n in range(1, len(bulletin.page_sha256s) + 1)],
    )


@router.post(
    "",
    response_model=BulletinDetail,
    status_code=201,
    responses={200: {"description": "It existed: the same bulletin"}, 404: {}},
)
def make_bulletin(
    body: BulletinIn,
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> BulletinDetail:
    """Make the area's bulletin of the month (seconds), or answer the one that exists (200);
    `regenerate` makes it again with today's figures."""
    bulletin, made = service.generate(
        session, settings, principal, body.area, body.month, body.regenerate
    )
    response.status_code = 201 if made else 200
    return BulletinDetail(**bulletin_out(bulletin).model_dump(), figures=bulletin.figures)


@router.get("", response_model=list[BulletinOut])
def list_bulletins(
    principal: Reader,
    session: ReplicaSessionDep,
    response: Response,
    area: Annotated[
        Text | None, Query(max_length=32, description="area code: this area and below")
    ] = None,
    month: Annotated[Month | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> list[BulletinOut]:
    rows, total = service.listing(session, principal, area, month, limit, offset)
    response.headers["X-Total-Count"] = str(total)
    return [bulletin_out(b) for b in rows]


@router.get("/{bulletin_id}", response_model=BulletinDetail, responses=_NOT_FOUND)
def get_bulletin(
    bulletin_id: uuid.UUID, principal: Reader, session: ReplicaSessionDep
) -> BulletinDetail:
    bulletin = service.get_visible(session, principal, bulletin_id)
    return BulletinDetail(**bulletin_out(bulletin).model_dump(), figures=bulletin.figures)


@router.get("/{bulletin_id}/pdf", response_class=FileResponse, responses=_NOT_FOUND)
def get_pdf(
    bulletin_id: uuid.UUID, principal: Reader, session: SessionDep, settings: SettingsDep
) -> Response:
    """The PDF, as a download named in Chinese (RFC 6266 / 5987: `filename*`, with an ASCII
    `filename` for clients that know only that)."""
    bulletin, where = service.pdf_of(session, settings, principal, bulletin_id)
    ascii_name = f"bulletin-{bulletin.area_code}-{bulletin.month}.pdf"
    disposition = (
        f'attachment; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(service.file_name(bulletin), safe='')}"
    )
    return file_response(where, "application/pdf", {"Content-Disposition": disposition})


@router.get("/{bulletin_id}/pages/{page}.png", response_class=FileResponse, responses=_NOT_FOUND)
def get_page(
    bulletin_id: uuid.UUID,
    page: Annotated[int, Path(ge=1, le=100)],
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """One page as an image (the console's preview)."""
    where = service.page_of(session, settings, principal, bulletin_id, page)
    return file_response(where, "image/png")
