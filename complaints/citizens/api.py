"""The citizens' page's API, under /api/v1/citizen/ (docs/citizens.md). No sign-in: the follow
code is the key to a report, the upload token to its photos. Thin: the rules are in
complaints.citizens.service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse

from backend.core.media_responses import file_response
from backend.identity.dependencies import ReplicaSessionDep, SessionDep, SettingsDep, oauth2_scheme
from complaints.citizens import phones, service
from complaints.citizens.schemas import (
    DisputeIn,
    DisputeTaken,
    FormOut,
    MyReport,
    PhoneCodeIn,
    PhoneCodeSent,
    PhoneSessionIn,
    PhoneSessionOut,
    ReportIn,
    ReportTaken,
    ReportView,
)

router = APIRouter(prefix="/api/v1/citizen", tags=["citizens"])
FollowCode = Annotated[str, Path(max_length=32, description="查询码, e.g. K7Q4-9MZT-2XWA")]
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/form", response_model=FormOut)
def form(session: SessionDep, settings: SettingsDep, response: Response) -> FormOut:
    """Everything the page needs to show its form: categories in plain words, the stages one
    may be told of, a fresh challenge, the limits, and where the map is."""
    response.headers.update(NO_STORE)
    return service.form(session, settings)


@router.get("/areas")
def areas(session: ReplicaSessionDep, settings: SettingsDep) -> JSONResponse:
    """The townships the page serves as GeoJSON, to place the pin on without a basemap."""
    return JSONResponse(
        service.areas(session, settings),
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.post("/reports", response_model=ReportTaken, status_code=201)
def report(
    body: ReportIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> ReportTaken:
    """A report with its point, words and declared photos (their bytes follow by tus to
    `upload.endpoint`). Answers the follow code. With an `Idempotency-Key`, sending the same
    report again (a retry on a bad connection) answers the first one (200,
    `Idempotent-Replayed: true`) and stores nothing."""
    taken, replayed = service.submit(
        session,
        settings,
        body,
        request.client.host if request.client else "",
        service.idempotency_key(idempotency_key),
    )
    response.headers.update(NO_STORE)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return taken


@router.get("/reports/{code}", response_model=ReportView)
def follow(code: FollowCode, session: SessionDep, settings: SettingsDep, response: Response):
    """Where the report stands, in plain words."""
    response.headers.update(NO_STORE)
    return service.view(session, settings, code)


@router.get("/reports/{code}/photos/{sha256}.jpg")
def photo(
    code: FollowCode,
    sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """A photo the report shows, as its public copy (no EXIF, at most 1280 px)."""
    return file_response(
        service.photo(session, settings, code, sha256),
        "image/jpeg",
        {"Cache-Control": "private, max-age=86400"},
    )


@router.post("/reports/{code}/not-fixed", response_model=DisputeTaken)
def not_fixed(
    code: FollowCode, body: DisputeIn, session: SessionDep, settings: SettingsDep
) -> DisputeTaken:
    """还没整改好: once, within the days after closure, with a note and a photo (its bytes by
    tus, as with the report). The report is redone by its grid worker."""
    view, upload = service.dispute(session, settings, code, body)
    return DisputeTaken(report=view, upload=upload)


@router.post("/phone-codes", response_model=PhoneCodeSent, status_code=202)
def phone_code(
    body: PhoneCodeIn, request: Request, session: SessionDep, settings: SettingsDep
) -> PhoneCodeSent:
    """Text a code to the number one's reports were made with (the page's challenge, limits
    per number and address). The answer is the same whether reports exist for it or not."""
    expires = phones.send_code(
        session,
        settings,
        body.phone,
        body.challenge,
        request.client.host if request.client else "",
    )
    return PhoneCodeSent(expires_at=expires)


@router.post("/phone-sessions", response_model=PhoneSessionOut, status_code=201)
def phone_session(
    body: PhoneSessionIn, session: SessionDep, settings: SettingsDep
) -> PhoneSessionOut:
    """The code back: a token to read one's reports for 7 days (five wrong tries end a code)."""
    try:
        token, expires = phones.prove(session, settings, body.phone, body.code)
    except phones.CodeRefused:
        session.commit()  # the wrong try counts: the request's rollback must not undo it
        raise
    return PhoneSessionOut(token=token, expires_at=expires)


@router.get("/my-reports", response_model=list[MyReport])
def my_reports(
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> list[MyReport]:
    """The reports made from the page with the proven number, each with its follow code."""
    response.headers.update(NO_STORE)
    return phones.reports_of(session, settings, token)
