"""告知承诺 commitments over HTTP. Thin: rules live in grids.commitments.service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from backend.core import documents
from backend.core.media_responses import file_response
from backend.identity.dependencies import SessionDep, SettingsDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from grids.commitments import service
from grids.commitments.enums import CommitmentState
from grids.commitments.models import Commitment
from grids.commitments.schemas import (
    CommitmentIn,
    CommitmentOut,
    DocumentOut,
    ResultIn,
    WithdrawIn,
)

premises_router = APIRouter(prefix="/api/v1/premises", tags=["commitments"])
router = APIRouter(prefix="/api/v1/commitments", tags=["commitments"])

Reader = Annotated[Principal, Depends(require(Permission.READ_COMMITMENTS))]
Recorder = Annotated[Principal, Depends(require(Permission.RECORD_COMMITMENTS))]
_NOT_FOUND = {404: {"description": "No such premises or commitment in your scope"}}


def commitments_out(session: Session, commitments: list[Commitment]) -> list[CommitmentOut]:
    files = service.documents_of(session, commitments)
    names = service.names_of(session, commitments)
    return [
        CommitmentOut(
            id=c.id,
            premises_id=c.premises_id,
            premises_name=names.get(c.premises_id, ""),
            state=CommitmentState(c.state),
            committed_on=c.committed_on,
            signatory_name=c.signatory_name,
            signatory_role=c.signatory_role,
            scope=c.scope,
            documents=[
                DocumentOut(
                    sha256=d.sha256,
                    mime=d.mime,
                    size=d.size,
                    uploaded_at=d.uploaded_at,
                    url=f"/api/v1/commitments/{c.id}/documents/{d.sha256}",
                )
                for d in files.get(c.id, [])
            ],
            recorded_at=c.recorded_at,
            recorded_by=c.recorded_by,
            result_note=c.result_note,
            decided_at=c.decided_at,
            decided_by=c.decided_by,
        )
        for c in commitments
    ]


@premises_router.post(
    "/{premises_id}/commitments",
    response_model=CommitmentOut,
    status_code=201,
    responses={**_NOT_FOUND, 409: {"description": "It has an open commitment already"}},
)
def record_commitment(
    premises_id: uuid.UUID, body: CommitmentIn, principal: Recorder, session: SessionDep
) -> CommitmentOut:
    """Record a public gathering place's signed commitment (告知承诺); then upload the signed
    form (`POST /api/v1/commitments/{id}/documents`). It joins the random draw's commitment
    group until a spot check finds it true or false."""
    return commitments_out(session, [service.record(session, principal, premises_id, body)])[0]


@premises_router.get(
    "/{premises_id}/commitments", response_model=list[CommitmentOut], responses=_NOT_FOUND
)
def premises_commitments(
    premises_id: uuid.UUID, principal: Reader, session: SessionDep
) -> list[CommitmentOut]:
    """The premises' commitments, newest first."""
    return commitments_out(session, service.of_premises(session, principal, premises_id))


@router.get("/{commitment_id}", response_model=CommitmentOut, responses=_NOT_FOUND)
def get_commitment(
    commitment_id: uuid.UUID, principal: Reader, session: SessionDep
) -> CommitmentOut:
    return commitments_out(session, [service.get_visible(session, principal, commitment_id)])[0]


@router.post(
    "/{commitment_id}/documents",
    response_model=CommitmentOut,
    status_code=201,
    openapi_extra=documents.OPENAPI_BODY,
    responses={
        **_NOT_FOUND,
        409: {"description": "It has as many files as it may"},
        **documents.REFUSALS,
    },
)
async def attach_document(
    commitment_id: uuid.UUID,
    request: Request,
    principal: Recorder,
    session: SessionDep,
    settings: SettingsDep,
) -> CommitmentOut:
    """A file of the signed commitment (the raw PDF or photo as the body, with its
    Content-Type). The same file twice is kept once; files are never replaced."""
    data = await request.body()
    content_type = request.headers.get("content-type", "")

    def attach() -> CommitmentOut:
        commitment = service.attach_document(
            session, settings, principal, commitment_id, data, content_type
        )
        return commitments_out(session, [commitment])[0]

    return await run_in_threadpool(attach)


@router.get("/{commitment_id}/documents/{sha256}", responses=_NOT_FOUND)
def get_document(
    commitment_id: uuid.UUID,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """One file as uploaded (a PDF, or the photo's original)."""
    where, mime = service.document_file(session, settings, principal, commitment_id, sha256)
    return file_response(where, mime, {"Cache-Control": "private, no-store"})


@router.post("/{commitment_id}/result", response_model=CommitmentOut, responses=_NOT_FOUND)
def record_result(
    commitment_id: uuid.UUID,
    body: ResultIn,
    principal: Recorder,
    session: SessionDep,
    settings: SettingsDep,
) -> CommitmentOut:
    """What the spot check found (certified): `verified`, or `false` (虚假承诺, with a note
    of what was found), which enters the unit's credit record once."""
    commitment = service.judge(session, settings, principal, commitment_id, body)
    return commitments_out(session, [commitment])[0]


@router.post("/{commitment_id}/withdraw", response_model=CommitmentOut, responses=_NOT_FOUND)
def withdraw_commitment(
    commitment_id: uuid.UUID,
    body: WithdrawIn,
    principal: Recorder,
    session: SessionDep,
    settings: SettingsDep,
) -> CommitmentOut:
    """Take back a commitment not yet checked; it stays on record, withdrawn."""
    commitment = service.withdraw(session, settings, principal, commitment_id, body)
    return commitments_out(session, [commitment])[0]
