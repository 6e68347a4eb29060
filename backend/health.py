"""Liveness and readiness, for load balancers and for `make run` users."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backend.core import calendar_notices, migrations
from backend.core.db import get_engine, session_factory
from backend.core.settings import get_settings
from backend.core.web import DATABASE_RETRY_AFTER_SECONDS, problem_response

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


def _unreachable(exc: Exception) -> JSONResponse:
    return problem_response(
        503,
        f"database unreachable: {type(exc).__name__}",
        slug="not-ready",
        title="Not ready",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


@router.get("/readyz", responses={503: {"description": "Not ready"}})
def readyz() -> JSONResponse:
    """The database answers and its schema is at the newest migration. A calendar that does
    not know this or next year's holidays is a warning, not a failure: the service works, but
    deadlines there count weekends only until someone loads the notice."""
    engine = get_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = migrations.current_revisions(engine)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return _unreachable(exc)
    if current != migrations.head_revisions():
        return problem_response(
            503,
            "database schema is not current; run `firegrid db upgrade`",
            slug="not-ready",
            current=sorted(current),
            expected=sorted(migrations.head_revisions()),
        )
    body: dict[str, object] = {
        "status": "ready",
        "database": engine.dialect.name,
        "revision": sorted(current),
    }
    try:
        with session_factory(engine, read_only=True)() as session:
            report = calendar_notices.coverage(session, get_settings())
    except Exception as exc:  # noqa: BLE001 - lost since the check above: not ready after all
        return _unreachable(exc)
    body["calendar"] = {str(entry.year): entry.source.value for entry in report}
    warning = calendar_notices.coverage_warning(report)
    if warning:
        body["warnings"] = [warning]
    return JSONResponse(body)
