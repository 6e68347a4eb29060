"""HTTP plumbing shared by every router: problem+json errors, request ids, body limits, and
the per-request database session."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core import replica
from backend.core.context import (
    CLIENT_LOCATION_HEADER,
    client_location_var,
    parse_client_location,
    request_id_var,
)
from backend.core.db import (
    ENDS_AT_ONCE,
    DatabaseTrouble,
    database_trouble,
    get_engine,
    session_factory,
    short_reads,
)
from backend.core.errors import PROBLEM_BASE, PROBLEM_JSON, Problem
from backend.core.i18n import (
    in_chinese,
    language_headers,
    language_of,
    localized_problem,
    request_language,
    validation_message,
)
from backend.core.settings import Settings, get_settings
from backend.core.types import INT32_MAX

log = logging.getLogger("firegrid.http")

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
_HTTP_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "The request is not valid",
    429: "Too many requests",
    503: "Service unavailable",
}


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = {
        "type": PROBLEM_BASE + (slug or f"http-{status}"),
        "title": title or _HTTP_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extensions,
    }
    return JSONResponse(
        localized_problem(body),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=language_headers(headers),
    )


def import_refused(report: BaseModel, answer: dict[str, Any]) -> JSONResponse:
    """422 for an import with a refused line: the whole report as a problem, nothing written.
    `answer` is the report as the reader gets it (its lines' reasons in their language); the
    problem's own `problems` stay English here and are translated with every problem's."""
    return problem_response(
        422,
        f"{len(report.problems)} problem(s); nothing imported",
        slug="import-refused",
        **{k: v for k, v in answer.items() if k != "problems"},
        problems=report.model_dump(mode="json")["problems"],
    )


# Paths whose clients read another error shape than problem+json (Open311's list of
# {code, description}): prefix -> how to answer (path, status, detail, headers). Every error on
# those paths, from a route, a validation, an unknown path, a body too large or a crash, goes
# through it, so such a client never meets a shape it cannot parse. The detail comes in English
# (a validation error's in the request's language already); the shape answers in the request's
# language (backend.core.i18n.localized, language_headers).
ErrorShape = Callable[[str, int, str, dict[str, str] | None], Response]
_ERROR_SHAPES: list[tuple[str, ErrorShape]] = []


def answer_errors_under(prefix: str, shape: ErrorShape) -> None:
    if all(known != prefix for known, _ in _ERROR_SHAPES):
        _ERROR_SHAPES.append((prefix, shape))


def _shape_for(path: str) -> ErrorShape | None:
    return next((shape for prefix, shape in _ERROR_SHAPES if path.startswith(prefix)), None)


def error_response(
    path: str,
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """An error for this path: problem+json, or the shape registered for the path's prefix."""
    shape = _shape_for(path)
    if shape is not None:
        return shape(path, status, detail, headers)
    return problem_response(status, detail, headers=headers, **extensions)


# How long a client waits before retrying when the database is busy or unavailable: long
# enough for a SQLite writer to finish or a PostgreSQL restart or failover to complete.
DATABASE_RETRY_AFTER_SECONDS = 5


def database_trouble_response(trouble: DatabaseTrouble, path: str) -> Response:
    if trouble is DatabaseTrouble.BUSY:
        return error_response(
            path,
            503,
            "the database is busy with other writes; nothing was stored, try again shortly",
            slug="database-busy",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    return error_response(
        path,
        503,
        "the database cannot be reached or is not accepting writes right now; nothing was "
        "stored, try again shortly",
        slug="database-unavailable",
        title="Service unavailable",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _with_fields(problem: dict[str, Any]) -> str:
    """A problem's detail with the fields it names, for shapes that carry only a sentence."""
    detail = str(problem.get("detail") or problem.get("title") or "")
    fields = [e.get("field") for e in problem.get("errors") or [] if e.get("field")]
    if problem.get("field"):
        fields.append(str(problem["field"]))
    missing = [f for f in fields if f not in detail]
    return f"{detail} ({', '.join(missing)})" if missing else detail


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        body = exc.to_dict(instance=request.url.path)
        shape = _shape_for(request.url.path)
        if shape is not None:
            return shape(request.url.path, exc.status, _with_fields(body), exc.headers)
        return JSONResponse(
            localized_problem(body),
            status_code=exc.status,
            media_type=PROBLEM_JSON,
            headers=language_headers(exc.headers),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # In Chinese by the error's type and ctx (pydantic's English text is not a key).
        chinese = in_chinese()
        errors = [
            {
                "field": _field_path(err.get("loc", ())),
                "message": validation_message(err) if chinese else err.get("msg", ""),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        path = request.url.path
        if any(err["type"] == "json_invalid" for err in errors):
            return error_response(
                path, 400, "the body is not valid JSON", slug="malformed-json", errors=errors
            )
        joint, colon = ("；", "：") if chinese else ("; ", ": ")
        summary = joint.join(f"{e['field']}{colon}{e['message']}" for e in errors[:5])
        return error_response(path, 422, summary, slug="invalid-input", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return error_response(
            request.url.path, exc.status_code, detail, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(IntegrityError)
    async def _conflicting(request: Request, exc: IntegrityError) -> Response:
        # Services check references first; this answers a race or a check that was missed.
        log.warning("integrity error", extra={"path": request.url.path, "error": str(exc.orig)})
        return error_response(
            request.url.path,
            409,
            "the request conflicts with existing data (a reference or a unique value)",
            slug="integrity-conflict",
        )

    @app.exception_handler(DBAPIError)
    async def _database_failed(request: Request, exc: DBAPIError) -> Response:
        # The database, not the request, failed: the transaction died with its connection or
        # was refused before writing, so nothing was stored and the client may simply retry.
        # Anything else (a bug, a query the database rejects) stays a 500.
        trouble = database_trouble(exc)
        if trouble is None:
            raise exc
        log.warning(
            "database unavailable" if trouble is DatabaseTrouble.UNAVAILABLE else "database busy",
            extra={"path": request.url.path, "error": str(exc.orig)},
        )
        return database_trouble_response(trouble, request.url.path)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> Response:
        # Schemas bound inputs (backend.core.types); reaching here means one slipped through.
        log.warning(
            "database refused a value", extra={"path": request.url.path, "error": str(exc.orig)}
        )
        return error_response(
            request.url.path, 422, "a value in the request cannot be stored", slug="invalid-input"
        )


class RequestContextMiddleware:
    """Give every request an id (the caller's if sane), echo it in X-Request-ID, log one JSON
    line per request, and refuse bodies over the limit before reading them into memory."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        larger_bodies: tuple[tuple[str, int] | tuple[str, int, str], ...] = (),
    ):
        self.app = app
        self.max_body_bytes = max_body_bytes
        # (path pattern, limit[, content type]): uploads such as photos may be larger than
        # JSON bodies; with a content type, only bodies of that type (photos in a form).
        self.larger_bodies = tuple(
            (re.compile(larger[0]), larger[1], larger[2] if len(larger) > 2 else None)
            for larger in larger_bodies
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get(REQUEST_ID_HEADER.lower(), "")
        request_id = given if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        language_token = request_language.set(language_of(scope["headers"]))
        location_token = client_location_var.set(
            parse_client_location(headers.get(CLIENT_LOCATION_HEADER.lower()))
        )
        started = time.perf_counter()
        status_holder: dict[str, int | None] = {"status": None}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (REQUEST_ID_HEADER.lower().encode(), request_id.encode())
                ]
            await send(message)

        try:
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            limit = next(
                (
                    size
                    for pattern, size, of_type in self.larger_bodies
                    if pattern.match(scope["path"]) and of_type in (None, content_type)
                ),
                self.max_body_bytes,
            )
            if self._declared_too_big(headers, limit):
                response = error_response(
                    scope["path"],
                    413,
                    f"the body is larger than {limit} bytes",
                    slug="body-too-large",
                )
                await response(scope, receive, send_with_id)
                return
            try:
                await self.app(scope, self._limited(receive, limit), send_with_id)
            except Exception as exc:
                # The last resort, here rather than in an exception handler so that the log
                # line and the answer carry the request id.
                trouble = _database_trouble_behind(exc)
                if trouble is not None:
                    # Raised where no exception handler sees it (a middleware, a session
                    # closed after the handler ran, an error while recovering from one).
                    log.warning("database unavailable", extra={"path": scope.get("path")})
                    if status_holder["status"] is None:
                        await database_trouble_response(trouble, scope["path"])(
                            scope, receive, send_with_id
                        )
                    return
                log.exception("unhandled error", extra={"path": scope.get("path")})
                if status_holder["status"] is None:
                    response = error_response(
                        scope["path"],
                        500,
                        "internal error; quote the request id when reporting it",
                        slug="internal-error",
                        title="Internal error",
                        request_id=request_id,
                    )
                    await response(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status_holder["status"] or 500,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id_var.reset(token)
            request_language.reset(language_token)
            client_location_var.reset(location_token)

    @staticmethod
    def _declared_too_big(headers: dict[str, str], limit: int) -> bool:
        length = headers.get("content-length")
        return length is not None and length.isdigit() and int(length) > limit

    @staticmethod
    def _limited(receive: Receive, limit: int) -> Receive:
        seen = 0

        async def guarded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        return guarded


def _database_trouble_behind(exc: BaseException) -> DatabaseTrouble | None:
    """The database trouble that caused `exc`, directly or as its cause or context (SQLAlchemy
    raises e.g. PendingRollbackError while recovering from a lost connection)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        trouble = database_trouble(current)
        if trouble is not None:
            return trouble
        current = current.__cause__ or current.__context__
    return None


# Sent with every response. The API and its docs are never meant to be framed (clickjacking
# of the docs' Authorize form) nor sniffed into another type (a photo or a CSV rendered as
# HTML); the server banner is switched off in uvicorn itself (`server_header=False`).
CSP = b"content-security-policy"
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (CSP, b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityHeadersMiddleware:
    """The outermost layer, so that every answer carries SECURITY_HEADERS: errors, 404s, 413s
    and CORS preflights included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                names = {name for name, _ in SECURITY_HEADERS}
                # A page's own policy (the console's: backend/console.py) stands when it
                # forbids framing too.
                own = [
                    (name, value)
                    for name, value in headers
                    if name.lower() == CSP and b"frame-ancestors 'none'" in value
                ]
                message["headers"] = (
                    [
                        (name, value)
                        for name, value in headers
                        if name.lower() not in names and name.lower() != b"server"
                    ]
                    + own
                    + [
                        (name, value)
                        for name, value in SECURITY_HEADERS
                        if not (own and name == CSP)
                    ]
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CorsByPath:
    """CORS with its own rules under some path prefixes (Open311's citizen apps are not the
    console's origins): the first prefix that matches decides, alone; elsewhere the default
    rules, if any. A path with rules of its own and no origins in them allows none."""

    def __init__(
        self,
        app: ASGIApp,
        prefixes: tuple[tuple[str, dict[str, Any]], ...] = (),
        default: dict[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.prefixes = tuple(
            (prefix, CORSMiddleware(app, **options) if options.get("allow_origins") else app)
            for prefix, options in prefixes
        )
        self.default = CORSMiddleware(app, **default) if default else app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        handler = next((h for prefix, h in self.prefixes if path.startswith(prefix)), self.default)
        await handler(scope, receive, send)


class BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than {limit} bytes")


async def db_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed when the endpoint returns and before the response
    is sent (use with `Depends(db_session, scope="function")`); rolled back on any error, so a
    failed request leaves nothing half-written. Async, so that opening it (no database work
    until the first statement) costs no trip through the thread pool; ending it does, unless
    the request never used it."""
    read_only = request.method in {"GET", "HEAD", "OPTIONS"}
    async with _one_transaction(session_factory(read_only=read_only)()) as session:
        yield session


async def current_reads(_request: Request) -> AsyncIterator[Session]:
    """For a few short reads that must see the latest writes (who am I, where is this point):
    the primary's, in a session that cannot write (`short_reads`), ended without a trip
    through the thread pool."""
    async with _one_transaction(short_reads(get_engine())()) as session:
        yield session


async def replica_session(request: Request) -> AsyncIterator[Session]:
    """`db_session` for a route whose answer may be a few seconds old (decision 0042): read
    from the read replica when one is set and close enough behind the primary, and has replayed
    the caller's last write; else from the primary. It cannot write, on either database."""
    settings = get_settings()
    if settings.database_replica_url:
        token = request.headers.get(replica.READ_AFTER_HEADER) or request.cookies.get(
            replica.READ_AFTER_COOKIE
        )
        after = replica.read_after(token, settings.resolved_secret_key)
        session = await run_in_threadpool(replica.read_session, settings, after)
    else:
        session = replica.primary_reads()
    async with _one_transaction(session) as session:
        yield session


@asynccontextmanager
async def _one_transaction(session: Session) -> AsyncIterator[Session]:
    try:
        yield session
        await _end(session, committed=True)
    except BaseException:
        await _end(session, committed=False)
        raise


async def _end(session: Session, *, committed: bool) -> None:
    """End the request's session. A trip through the thread pool costs a small request about
    a tenth of its time: a session that holds no transaction, or only reads that nothing
    waits on to end (`ENDS_AT_ONCE`), ends here on the event loop."""
    if session.info.get(ENDS_AT_ONCE):
        session.close()  # it wrote nothing: letting its snapshot go is all there is to end
        return
    if not session.in_transaction():
        _ended(session, committed=committed)
        return
    with anyio.CancelScope(shield=True):  # a client gone meanwhile still gets it ended
        await run_in_threadpool(_ended, session, committed=committed)


class ReadAfterWrites:
    """With a read replica: the answer to a write tells its caller where the primary's WAL
    stood after it (a signed cookie and header, backend.core.replica), so that the caller's
    next replica-safe reads wait for the standby to have replayed it, or go to the primary."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        standby = replica.replica_for(self.settings)
        assert standby is not None

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                lsn = await run_in_threadpool(standby.written)
                if lsn is not None:
                    token = replica.read_after_token(lsn, self.settings.resolved_secret_key)
                    cookie = replica.read_after_cookie(token, secure=scope["scheme"] == "https")
                    message["headers"] = [
                        *message.get("headers", []),
                        (replica.READ_AFTER_HEADER.lower().encode(), token.encode()),
                        (b"set-cookie", cookie.encode()),
                    ]
            await send(message)

        await self.app(scope, receive, send_marked)


def _ended(session: Session, *, committed: bool) -> None:
    try:
        if committed:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def json_answer(model: BaseModel) -> Response:
    """A model's JSON as the answer, written in the endpoint's own worker thread. FastAPI checks
    and writes a sync endpoint's returned model in one more trip through the thread pool; the
    busiest reads (who am I, locate a point) spare it (decision 0040). The route still
    declares its `response_model` for the API's description."""
    return Response(content=model.model_dump_json(by_alias=True), media_type="application/json")


# Paging parameters shared by list endpoints; bounded so no database sees an overflow.
Offset = Annotated[int, Query(ge=0, le=INT32_MAX, description="rows to skip")]

# The OpenAPI description of a photo upload's body (raw bytes, one of the formats the photo
# pipeline takes), for the routers that accept one.
IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            m: {"schema": {"type": "string", "format": "binary"}}
            for m in ("image/jpeg", "image/png", "image/heic")
        },
    }
}
