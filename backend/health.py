"""Liveness and readiness, for load balancers and for `make run` users."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backend.core import migrations
from backend.core.db import get_engine
from backend.core.web import problem_response

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready"}})
def readyz() -> JSONResponse:
    """The database answers and its schema is at the newest migration."""
    engine = get_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = migrations.current_revisions(engine)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return problem_response(
            503, f"database unreachable: {type(exc).__name__}", slug="not-ready"
        )
    if current != migrations.head_revisions():
        return problem_response(
            503,
            "database schema is not current; run `firegrid db upgrade`",
            slug="not-ready",
            current=sorted(current),
            expected=sorted(migrations.head_revisions()),
        )
    return JSONResponse(
        {"status": "ready", "database": engine.dialect.name, "revision": sorted(current)}
    )
