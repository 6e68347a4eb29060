"""The sync endpoints (fixed paths: ARCHITECTURE.md). Thin: the protocol lives in
offline_sync.service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from backend.core.types import Int32
from backend.identity.dependencies import CurrentPrincipal, SessionDep, SettingsDep
from offline_sync import service
from offline_sync.tables import schema_document

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


@router.get("", response_model=PullOut)
def pull_changes(
    principal: CurrentPrincipal,
    session: SessionDep,
    last_pulled_at: Cursor = None,
    schema_version: Annotated[Int32 | None, Query(ge=1)] = None,
    migration: Annotated[str | None, Query(max_length=2000)] = None,
    page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = service.DEFAULT_PAGE,
) -> PullOut:
    """WatermelonDB `pullChanges`: what changed in your grids since `last_pulled_at`, every
    record under `updated` (use `sendCreatedAsUpdated`); pull again while `has_more`."""
    page = service.pull(session, principal, last_pulled_at, schema_version, page_size)
    return PullOut(changes=page.changes, timestamp=page.timestamp, has_more=page.has_more)


@router.post("", response_model=PushOut, responses={409: {"description": "pull first"}})
def push_changes(
    body: PushIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    last_pulled_at: Cursor = None,
) -> PushOut:
    """WatermelonDB `pushChanges`: all or nothing; 409 when a record you push changed on the
    server after `last_pulled_at`."""
    changes = {name: table.model_dump() for name, table in body.changes.items()}
    outcome = service.push(session, principal, last_pulled_at, changes, settings)
    return PushOut(**vars(outcome))


@router.get("/schema")
def sync_schema(principal: CurrentPrincipal) -> dict:
    """The device tables, their columns and owners, as WatermelonDB's `appSchema` expects."""
    return schema_document()
