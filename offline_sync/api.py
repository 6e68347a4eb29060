"""The sync endpoints (fixed paths: docs/architecture.md). Thin: the protocol lives in
offline_sync.pull and offline_sync.push, tus in offline_sync.uploads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from backend.core import metrics
from backend.core.db import session_scope
from backend.core.errors import Conflict, Problem, Unauthenticated
from backend.core.settings import Settings
from backend.core.types import Int32
from backend.identity.dependencies import (
    CurrentPrincipal,
    SettingsDep,
    oauth2_scheme,
)
from backend.identity.service import principal_for_token
from complaints.citizens import service as citizens
from offline_sync import pull, push, uploads
from offline_sync.models import Upload
from offline_sync.tables import SCHEMA_VERSION, schema_document

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])

Cursor = Annotated[
    int | None,
    Query(ge=0, le=2**62, description="the `timestamp` of your last pull; empty the first time"),
]


class TableChanges(BaseModel):
    created: list[dict[str, Any]] = Field(default_factory=list, max_length=10_000)
    updated: list[dict[str, Any]] = Field(default_factory=list, max_length=10_000)
    deleted: list[str] = Field(default_factory=list, max_length=10_000)


class PullOut(BaseModel):
    changes: dict[str, TableChanges]
    timestamp: int = Field(description="pass it back as last_pulled_at")
    has_more: bool = Field(description="pull again from `timestamp` for the rest")


class PushIn(BaseModel):
    changes: dict[str, TableChanges]


class PushOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    hidden: int
    refused_actions: list[str] = Field(
        description="kept, marked refused with the reason; they come back on the next pull"
    )
    refused_changes: list[str] = Field(
        description="records whose change the server did not apply: they come back on the next "
        "pull as the server has them, with `reason`"
    )


@router.get("", response_model=PullOut)
async def pull_changes(
    token: Annotated[str | None, Depends(oauth2_scheme)],
    settings: SettingsDep,
    last_pulled_at: Cursor = None,
    schema_version: Annotated[Int32 | None, Query(ge=1)] = None,
    migration: Annotated[
        str | None,
        Query(max_length=2000, description="WatermelonDB's migration sync: resend everything"),
    ] = None,
    page_size: Annotated[int, Query(ge=1, le=pull.MAX_PAGE)] = pull.DEFAULT_PAGE,
) -> Response:
    """WatermelonDB `pullChanges`: what changed in your grids since `last_pulled_at`, every
    record under `updated` (use `sendCreatedAsUpdated`); pull again while `has_more`.

    Phones poll this often, so it runs in one read-only transaction and one trip to the thread
    pool (authentication included), and writes its JSON directly."""
    if not token:
        raise Unauthenticated("send an access token: Authorization: Bearer <token>")
    last_pulled_at = pull.cursor_for(last_pulled_at, migration)

    if schema_version in (None, SCHEMA_VERSION) and pull.quietly_nothing_new(
        settings, token, last_pulled_at
    ):
        page = pull.PullPage(pull.empty_changes(), last_pulled_at or 0, False)
        metrics.pulled(page.changes, quiet=True)
        return Response(_page_json(page), media_type="application/json")

    def read() -> bytes:
        if schema_version in (None, SCHEMA_VERSION) and pull.nothing_new(
            settings, token, last_pulled_at
        ):
            page = pull.PullPage(pull.empty_changes(), last_pulled_at or 0, False)
            metrics.pulled(page.changes, quiet=True)
            return _page_json(page)
        with session_scope(read_only=True) as session:
            principal = principal_for_token(session, settings, token)
            page = pull.pull(session, principal, last_pulled_at, schema_version, page_size)
        metrics.pulled(page.changes, quiet=False)
        return _page_json(page)

    return Response(await run_in_threadpool(read), media_type="application/json")


def _page_json(page: pull.PullPage) -> bytes:
    document = {"changes": page.changes, "timestamp": page.timestamp, "has_more": page.has_more}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@router.post("", response_model=PushOut, responses={409: {"description": "pull first"}})
async def push_changes(
    body: PushIn,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    settings: SettingsDep,
    last_pulled_at: Cursor = None,
) -> Response:
    """WatermelonDB `pushChanges`: all or nothing; 409 when a record you push changed on the
    server after `last_pulled_at`. One transaction, authentication included."""
    if not token:
        raise Unauthenticated("send an access token: Authorization: Bearer <token>")
    changes = {
        name: {"created": table.created, "updated": table.updated, "deleted": table.deleted}
        for name, table in body.changes.items()
    }

    def write() -> bytes:
        try:
            with session_scope() as session:
                principal = principal_for_token(session, settings, token)
                outcome = push.push(session, principal, last_pulled_at, changes, settings)
        except Conflict:
            metrics.pushed("conflict")
            raise
        except Problem:
            metrics.pushed("refused")
            raise
        metrics.pushed("accepted", _results(outcome))
        return json.dumps(vars(outcome)).encode()

    return Response(await run_in_threadpool(write), media_type="application/json")


def _results(outcome) -> dict[str, int]:
    """What became of an accepted push's records, as /metrics counts them."""
    return {
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "hidden": outcome.hidden,
        "refused": len(outcome.refused_actions) + len(outcome.refused_changes),
    }


@router.get("/schema")
def sync_schema(principal: CurrentPrincipal) -> dict:
    """The device tables, their columns and owners, as WatermelonDB's `appSchema` expects."""
    return schema_document()


# --- tus 1.0 resumable uploads (fixed path) ------------------------------------------------------

uploads_router = APIRouter(prefix="/api/v1/uploads", tags=["uploads"])
UploadId = Annotated[str, Path(pattern="^[0-9a-f]{32}$")]


@uploads_router.options("/", status_code=204)
def tus_options(settings: SettingsDep) -> Response:
    """What this tus server supports (no authentication needed to ask)."""
    return Response(
        status_code=204,
        headers={
            "Tus-Resumable": uploads.TUS_VERSION,
            "Tus-Version": uploads.TUS_VERSION,
            "Tus-Extension": uploads.EXTENSIONS,
            "Tus-Max-Size": str(settings.photo_max_bytes),
            "Tus-Checksum-Algorithm": ",".join(uploads.CHECKSUMS),
        },
    )


async def _started(request: Request, create, settings: Settings) -> Response:
    """tus creation: `create(session, length, metadata)` makes the upload and says whose it is
    (uploader, upload); answers `Location`. With bytes in the same request
    (creation-with-upload: `Content-Type: application/offset+octet-stream`), they are
    appended as a PATCH at offset 0 would be, and the answer says how far they got: a small
    photo goes up in one request instead of two."""
    uploads.require_tus(request.headers.get("tus-resumable"))
    length = uploads.int_header(request.headers, "upload-length")
    metadata = uploads.parse_metadata(request.headers.get("upload-metadata"))

    def made() -> tuple[uploads.Uploader, Upload, dict[str, str]]:
        with session_scope() as session:
            uploader, upload = create(session, length, metadata)
            location = f"{request.url.path.rstrip('/')}/{upload.id}"
            session.expunge(upload)  # its columns as written, for `append` below
            return uploader, upload, uploads.headers(upload, Location=location)

    uploader, upload, headers = await run_in_threadpool(made)
    if request.headers.get("content-type") == "application/offset+octet-stream":
        appended = await uploads.append(
            uploader,
            upload.id,
            {**request.headers, "upload-offset": "0"},
            _chunks(request),
            settings,
            created=upload,
        )
        headers |= appended
    return Response(status_code=201, headers=headers)


def _offset(request: Request, uploader: uploads.Uploader, upload_id: str) -> Response:
    uploads.require_tus(request.headers.get("tus-resumable"))
    with session_scope(read_only=True) as session:
        headers = uploads.headers(uploads.own_upload(session, uploader, upload_id))
    return Response(status_code=200, headers=headers)


async def _appended(
    request: Request, uploader: uploads.Uploader, upload_id: str, settings
) -> Response:
    headers = await uploads.append(uploader, upload_id, request.headers, _chunks(request), settings)
    # A client cut off mid-request never reads this; what arrived is kept for its HEAD.
    return Response(status_code=204, headers=headers)


def _terminated(request: Request, uploader: uploads.Uploader, upload_id: str, settings) -> Response:
    uploads.require_tus(request.headers.get("tus-resumable"))
    with session_scope() as session:
        uploads.terminate(session, uploads.own_upload(session, uploader, upload_id), settings)
    return Response(status_code=204, headers={"Tus-Resumable": uploads.TUS_VERSION})


async def _chunks(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise uploads.CutOff from None


@uploads_router.post("/", status_code=201)
async def create_upload(
    request: Request, principal: CurrentPrincipal, settings: SettingsDep
) -> Response:
    """Start an upload: `Upload-Length` and `Upload-Metadata` naming `photo_id` (the photo
    record's uuid) and `sha256` (of the whole file). Answers `Location`; with the bytes in the
    body (creation-with-upload), `Upload-Offset` says how many were kept."""
    return await _started(
        request,
        lambda session, length, md: (
            principal,
            uploads.create(session, principal, length, md, settings),
        ),
        settings,
    )


@uploads_router.head("/{upload_id}")
def upload_offset(upload_id: UploadId, request: Request, principal: CurrentPrincipal) -> Response:
    """Where the upload stands: resume from `Upload-Offset`."""
    return _offset(request, principal, upload_id)


@uploads_router.patch("/{upload_id}", status_code=204)
async def upload_bytes(
    upload_id: UploadId, request: Request, principal: CurrentPrincipal, settings: SettingsDep
) -> Response:
    """Append bytes at `Upload-Offset`. Every check runs before the first byte is written; an
    interrupted request keeps what arrived (resume from HEAD); with `Upload-Checksum` (sha1 or
    sha256 of this request's bytes) a mismatch or a cut-off request keeps nothing (460)."""
    return await _appended(request, principal, upload_id, settings)


@uploads_router.delete("/{upload_id}", status_code=204)
def terminate_upload(
    upload_id: UploadId, request: Request, principal: CurrentPrincipal, settings: SettingsDep
) -> Response:
    """Abandon an upload and its bytes (termination extension)."""
    return _terminated(request, principal, upload_id, settings)


# --- The citizens' page's photos: the same tus, keyed by a report's upload token ---------------------

citizen_uploads_router = APIRouter(prefix="/api/v1/citizen/uploads", tags=["citizens"])


NO_UPLOAD_TOKEN = "send the report's upload token (it lasts a day after the report)"  # noqa: S105


def citizen_uploader(
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> uploads.CitizenUploader:
    """The report whose upload token the page sends (`Authorization: Bearer cup_…`). Read in
    a short read-only transaction of its own: the upload's steps write in theirs."""
    with session_scope(read_only=True) as session:
        return _citizen_uploader_in(session, token)


def _citizen_uploader_in(session, token: str | None) -> uploads.CitizenUploader:
    found = citizens.uploader_for_token(session, token or "")
    if found is None:
        raise Unauthenticated(NO_UPLOAD_TOKEN)
    client_id, complaint_id = found
    return uploads.CitizenUploader(user_id=client_id, complaint_id=complaint_id)


CitizenUploaderDep = Annotated[uploads.CitizenUploader, Depends(citizen_uploader)]


@citizen_uploads_router.options("/", status_code=204)
def citizen_tus_options(settings: SettingsDep) -> Response:
    return tus_options(settings)


@citizen_uploads_router.post("/", status_code=201)
async def create_citizen_upload(
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    settings: SettingsDep,
) -> Response:
    """Start the upload of a photo the report declared: `Upload-Metadata` names its
    `photo_id` and `sha256`, `Upload-Length` its size, as declared; the bytes may come in
    the same request (creation-with-upload). The token is read in the transaction that
    makes the upload (a report's photo is one request: one transaction fewer)."""
    if not citizens.looks_like_upload_token(token):
        raise Unauthenticated(NO_UPLOAD_TOKEN)

    def create(session, length, md):
        uploader = _citizen_uploader_in(session, token)
        return uploader, uploads.create_for_citizen(session, uploader, length, md, settings)

    return await _started(request, create, settings)


@citizen_uploads_router.head("/{upload_id}")
def citizen_upload_offset(
    upload_id: UploadId, request: Request, uploader: CitizenUploaderDep
) -> Response:
    return _offset(request, uploader, upload_id)


@citizen_uploads_router.patch("/{upload_id}", status_code=204)
async def citizen_upload_bytes(
    upload_id: UploadId, request: Request, uploader: CitizenUploaderDep, settings: SettingsDep
) -> Response:
    return await _appended(request, uploader, upload_id, settings)


@citizen_uploads_router.delete("/{upload_id}", status_code=204)
def terminate_citizen_upload(
    upload_id: UploadId, request: Request, uploader: CitizenUploaderDep, settings: SettingsDep
) -> Response:
    return _terminated(request, uploader, upload_id, settings)
