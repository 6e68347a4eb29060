"""Areas and the people placed in them. Thin: rules live in grids.service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from shapely.geometry import mapping
from starlette.concurrency import run_in_threadpool

from backend.core import sheets
from backend.core.db import utcnow
from backend.core.errors import Unauthenticated
from backend.core.localtime import LOCAL_TIME, today
from backend.core.spreadsheet import content_disposition
from backend.core.types import Text
from backend.core.web import Offset, import_refused, json_answer
from backend.identity import service as identity
from backend.identity.dependencies import (
    CurrentPrincipal,
    CurrentReadsDep,
    PrincipalChoosingPassword,
    ReplicaSessionDep,
    SessionDep,
    SettingsDep,
    require,
)
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, permissions_of
from backend.identity.service import Principal
from grids import flows, people, people_import, service, workforce
from grids.crs import from_wgs84, to_wgs84
from grids.enums import AreaLevel, Crs
from grids.models import Area
from grids.schemas import (
    AreaDetail,
    AreaOut,
    AreaPatch,
    CertificateOut,
    CreatableRole,
    CreatedUserOut,
    DutyIn,
    DutyOut,
    FamilyReportOut,
    FeatureCollectionIn,
    HandlerOut,
    ImportOut,
    InvalidOut,
    LocateBatchIn,
    LocateBatchOut,
    LocateOut,
    MemberOut,
    MeOut,
    PasswordResetOut,
    PeopleImportReport,
    PersonOut,
    PlaceOut,
    PointIn,
    SplitOut,
    TeamIn,
    TeamOut,
    UserCreate,
    UserOut,
)
from grids.scope import area_in_scope, scope_of
from grids.workforce import Handler

router = APIRouter(prefix="/api/v1", tags=["areas"])

Editor = Annotated[Principal, Depends(require(Permission.EDIT_AREAS))]
Manager = Annotated[Principal, Depends(require(Permission.MANAGE_USERS))]
PeopleReader = Annotated[Principal, Depends(require(Permission.SEE_PEOPLE))]
AreaCode = Annotated[Text, Path(max_length=32, description="area code, e.g. 450202")]
_NOT_FOUND = {404: {"description": "No such area in your scope"}}


def _area_out(area: Area, parent_code: str | None) -> AreaOut:
    return AreaOut(
        code=area.code,
        name=area.name,
        level=area.level,
        parent_code=parent_code,
        version=area.version,
    )


def _user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.get("/me", response_model=MeOut, tags=["auth"])
def me(principal: PrincipalChoosingPassword, session: CurrentReadsDep) -> Response:
    account = workforce.account_of(session, principal.user_id)
    if account is None:  # deleted since this process checked the token
        raise Unauthenticated("the account no longer exists or is disabled")
    certificate = None
    if principal.certificate_number and principal.certificate_expires_on:
        certificate = CertificateOut(
            number=principal.certificate_number,
            expires_on=principal.certificate_expires_on,
            valid_today=principal.certified_today,
        )
    return json_answer(
        MeOut(
            id=principal.user_id,
            username=account.username,
            display_name=account.display_name,
            role=account.role,
            scope_area_code=account.scope_area_code,
            grid_codes=account.grid_codes,
            certificate=certificate,
            permissions=sorted(p.value for p in permissions_of(principal.role)),
            password_change_required=account.password_change_required,
            creates=[
                CreatableRole(role=role, levels=levels)
                for role, levels in people.roles_created_by(principal.role)
            ],
        )
    )


@router.get("/areas", response_model=list[AreaOut])
def list_areas(
    principal: CurrentPrincipal,
    session: ReplicaSessionDep,
    level: AreaLevel | None = None,
    parent: Annotated[Text | None, Query(max_length=32, description="parent area code")] = None,
    top: Annotated[
        bool,
        Query(
            description="only the top of your scope: the area you are placed at (a grid "
            "worker's grids; every county for an admin of everywhere)"
        ),
    ] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[AreaOut]:
    """Areas in your scope, top down. A tree walked lazily (the console's area picker, over a
    county of 10,000 grids) asks `top=true` for where to start, then `parent=` for each
    area it opens."""
    rows = service.list_areas(
        session,
        scope_of(session, principal),
        level=level,
        parent_code=parent,
        top=top,
        limit=limit,
        offset=offset,
    )
    return [_area_out(row.area, row.parent_code) for row in rows]


@router.get("/areas/{code}", response_model=AreaDetail, responses=_NOT_FOUND)
def get_area(
    code: AreaCode, principal: CurrentPrincipal, session: SessionDep, crs: Crs = Crs.WGS84
) -> AreaDetail:
    area = area_in_scope(session, principal, code)
    min_x, min_y, max_x, max_y = service.area_shape(area).bounds
    (min_x, min_y), (max_x, max_y) = from_wgs84(min_x, min_y, crs), from_wgs84(max_x, max_y, crs)
    return AreaDetail(
        **_area_out(area, service.parent_code_of(session, area)).model_dump(),
        crs=crs.value,
        bbox=[min_x, min_y, max_x, max_y],
        geometry=service.geometry_as_geojson(area, crs),
    )


@router.patch("/areas/{code}", response_model=AreaOut, responses=_NOT_FOUND)
def rename_area(code: AreaCode, body: AreaPatch, principal: Editor, session: SessionDep) -> AreaOut:
    area = area_in_scope(session, principal, code)
    area = service.rename_area(session, area, body.name, body.version, principal.actor)
    return _area_out(area, service.parent_code_of(session, area))


@router.get("/areas/{code}/users", response_model=list[UserOut], responses=_NOT_FOUND)
def list_users(
    code: AreaCode,
    principal: Manager,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Offset = 0,
) -> list[UserOut]:
    area = area_in_scope(session, principal, code)
    return [_user_out(u) for u in workforce.users_in_area(session, area, limit, offset)]


@router.post(
    "/areas/{code}/users", response_model=CreatedUserOut, status_code=201, responses=_NOT_FOUND
)
def create_user(
    code: AreaCode, body: UserCreate, principal: Manager, session: SessionDep, response: Response
) -> CreatedUserOut:
    """Create a user placed at this area: staff get it as scope, grid workers as their grid.
    Without a password, the answer carries a temporary one (shown once) that the user must
    change at the first sign-in."""
    user, temporary = people.create_person(session, principal, code, **body.model_dump())
    if temporary:
        response.headers["Cache-Control"] = "no-store"
    # Validated from the user itself: the phone is masked once (masking a masked one loses it).
    created = CreatedUserOut.model_validate(user, from_attributes=True)
    return created.model_copy(update={"temporary_password": temporary})


@router.get(
    "/users",
    response_model=list[PersonOut],
    tags=["workers"],
    responses={
        **_NOT_FOUND,
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many people match, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        },
    },
)
def list_people(
    principal: PeopleReader,
    session: SessionDep,
    response: Response,
    area: Annotated[
        Text | None,
        Query(max_length=32, description="area code: the people placed at it and below"),
    ] = None,
    role: Role | None = None,
    q: Annotated[
        Text | None, Query(min_length=1, max_length=64, description="in username or name")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[PersonOut]:
    """The people placed in an area and everything below it (default: your whole area), by
    username: staff by their area, grid workers by their grids. Phones are masked;
    `X-Total-Count` says how many match."""
    where = area_in_scope(session, principal, area) if area else None
    found, total = workforce.people_under(
        session,
        scope_of(session, principal),
        where,
        role=role,
        q=q,
        limit=limit,
        offset=offset,
    )
    response.headers["X-Total-Count"] = str(total)
    return [
        PersonOut(
            id=p.id,
            username=p.username,
            display_name=p.display_name,
            role=p.role,
            area_code=p.area_code,
            area_name=p.area_name,
            active=p.is_active,
            phone=p.phone,
            administrable=people.administers(principal, p.id, Role(p.role)),
        )
        for p in found
    ]


@router.post(
    "/users/import",
    response_model=PeopleImportReport,
    tags=["workers"],
    responses={
        200: {
            "content": {sheets.XLSX_TYPE: {}},
            "description": "the report; or, for `Accept` naming the xlsx type (not a preview), "
            "the 开户通知单 workbook with each created person's temporary password",
            "headers": {
                "X-Import-Created": {
                    "description": "people created",
                    "schema": {"type": "integer"},
                },
                "X-Import-Unchanged": {
                    "description": "lines about people already there",
                    "schema": {"type": "integer"},
                },
            },
        },
        413: {"description": "The file, or the workbook unpacked, is too large"},
        415: {"description": "Neither UTF-8 nor GB18030 text, nor an xlsx workbook"},
        422: {
            "description": "A refused line (the same report, as a problem): nobody created; "
            "or a damaged workbook, or too many rows (FIREGRID_PEOPLE_IMPORT_MAX_ROWS)"
        },
    },
    openapi_extra=sheets.SHEET_BODY,
)
async def import_people(
    request: Request,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
    preview: Annotated[bool, Query(description="judge every line, write nothing")] = False,
    encoding: Annotated[
        sheets.Encoding | None,
        Query(description="of a CSV; default: UTF-8 when it decodes as such, else GB18030"),
    ] = None,
) -> Response:
    """A roll of people 网格员名册, CSV (UTF-8 or GB18030) or xlsx, with a header row naming
    username, display_name, role, area_code, phone, certificate_number and
    certificate_expires_on in English or Chinese (see the template). Each line is judged as
    `POST /areas/{code}/users` judges one person; a line about someone already there (same
    username, role and area) is unchanged. Written only when no line is refused: otherwise 422
    with the same report. Each person created gets a temporary password, handed out in this
    answer only: in the report's lines, or as the 开户通知单 workbook when `Accept` asks for
    xlsx."""
    body = await request.body()  # at most FIREGRID_IMPORT_MAX_BYTES
    sheet = await run_in_threadpool(
        sheets.read_sheet,
        body,
        content_type=request.headers.get("content-type", ""),
        encoding=encoding,
        max_rows=settings.people_import_max_rows,
    )
    # Blocking database work and a password hash (~50 ms) per person: off the event loop.
    report = await run_in_threadpool(
        people_import.import_sheet, session, principal, sheet, preview=preview
    )
    answer = sheets.report_in_reader_language(report).model_dump(mode="json")
    if report.refused and not preview:
        session.rollback()
        return import_refused(report, answer)
    headers = {
        "Cache-Control": "no-store",  # temporary passwords
        "X-Import-Created": str(report.created),
        "X-Import-Unchanged": str(report.unchanged),
    }
    if not preview and _asks_for_xlsx(request.headers.get("accept", "")):
        workbook = await run_in_threadpool(people_import.notice_xlsx, report)
        day = today().isoformat()
        headers["Content-Disposition"] = content_disposition(
            f"{people_import.NOTICE_TITLE}_{day}.xlsx", f"accounts_{day}.xlsx"
        )
        return Response(workbook, media_type=sheets.XLSX_TYPE, headers=headers)
    return JSONResponse(answer, headers=headers)


def _asks_for_xlsx(accept: str) -> bool:
    """Whether `Accept` names the xlsx type itself (a wildcard is not asking for it)."""
    for entry in accept.split(","):
        media_type, *params = (part.strip() for part in entry.split(";"))
        refused = any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params)
        if media_type.lower() == sheets.XLSX_TYPE and not refused:
            return True
    return False


@router.get(
    "/users/import-template.xlsx",
    response_class=Response,
    tags=["workers"],
    responses={200: {"content": {sheets.XLSX_TYPE: {}}, "description": "the workbook"}},
)
def people_import_template(principal: Manager) -> Response:
    """A workbook to fill in: the Chinese headers, an example line, and notes on each column."""
    return Response(
        people_import.template(),
        media_type=sheets.XLSX_TYPE,
        headers={
            "Content-Disposition": content_disposition("人员导入模板.xlsx", "people-import.xlsx")
        },
    )


@router.post("/users/{user_id}/revoke-sessions", status_code=204, responses=_NOT_FOUND)
def revoke_sessions(user_id: uuid.UUID, principal: Manager, session: SessionDep) -> Response:
    """Sign a user out everywhere (a lost phone, a worker who left)."""
    user = workforce.user_in_scope(session, scope_of(session, principal), user_id)
    identity.revoke_all_sessions(session, user.id, principal.actor)
    return Response(status_code=204)


@router.post(
    "/users/{user_id}/password-reset",
    response_model=PasswordResetOut,
    tags=["workers"],
    responses=_NOT_FOUND,
)
def reset_password(
    user_id: uuid.UUID, principal: Manager, session: SessionDep, response: Response
) -> PasswordResetOut:
    """A temporary password for someone you administer (a role you could create, in your
    area), shown this once: they are signed out everywhere and must choose their own at their
    next sign-in."""
    user, temporary = people.reset_password(session, principal, user_id)
    response.headers["Cache-Control"] = "no-store"
    return PasswordResetOut(
        user=_user_out(user), temporary_password=temporary, password_change_required=True
    )


@router.post(
    "/users/{user_id}/deactivate", response_model=UserOut, tags=["workers"], responses=_NOT_FOUND
)
def deactivate_user(user_id: uuid.UUID, principal: Manager, session: SessionDep) -> UserOut:
    """Close the account of someone who left: signed out everywhere, no sign-in, no new work
    routed to them; their records stay."""
    return _user_out(people.set_active(session, principal, user_id, active=False))


@router.post(
    "/users/{user_id}/activate", response_model=UserOut, tags=["workers"], responses=_NOT_FOUND
)
def activate_user(user_id: uuid.UUID, principal: Manager, session: SessionDep) -> UserOut:
    """Open a closed account again."""
    return _user_out(people.set_active(session, principal, user_id, active=True))


# --- Locating points -----------------------------------------------------------------------------


def _place(place) -> PlaceOut | None:
    return PlaceOut(code=place.code, name=place.name) if place is not None else None


def _handler_out(handler: Handler | None) -> HandlerOut | None:
    if handler is None:
        return None
    return HandlerOut(
        kind=handler.kind,
        area_code=handler.area_code,
        user_id=handler.user_id,
        display_name=handler.display_name,
    )


def _locate_out(
    located: service.Located, lng: float, lat: float, answer_crs: Crs, ref: str | None
) -> LocateOut:
    route, grid = located.route, located.route.grid
    return LocateOut(
        ref=ref,
        lng=lng,
        lat=lat,
        crs=answer_crs,
        status=route.status,
        distance_m=route.distance_m,
        grid=_place(grid.grid) if grid else None,
        village=_place(grid.village) if grid else None,
        township=_place(route.township),
        county=_place(route.county),
        handler=_handler_out(located.handler),
    )


def _echo(lng: float, lat: float, crs: Crs, answer_crs: Crs) -> tuple[float, float]:
    if crs is answer_crs:
        return lng, lat
    return from_wgs84(*to_wgs84(lng, lat, crs), answer_crs)


@router.get("/grids/locate", response_model=LocateOut, tags=["routing"])
def locate(
    principal: CurrentPrincipal,
    session: CurrentReadsDep,
    settings: SettingsDep,
    lng: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    crs: Crs = Crs.WGS84,
    answer_crs: Crs = Crs.WGS84,
) -> Response:
    """The grid, village, township and county of a point, and who handles it now."""
    located = service.locate_points(session, principal, [(lng, lat)], crs, settings.routing_snap_m)[
        0
    ]
    return json_answer(_locate_out(located, *_echo(lng, lat, crs, answer_crs), answer_crs, None))


@router.post("/grids/locate", response_model=LocateBatchOut, tags=["routing"])
def locate_many(
    body: LocateBatchIn,
    principal: CurrentPrincipal,
    session: CurrentReadsDep,
    settings: SettingsDep,
) -> LocateBatchOut:
    """Up to 10,000 points at once, answered in the order given."""
    points = [
        (p.lng, p.lat, p.ref) if isinstance(p, PointIn) else (p[0], p[1], None) for p in body.points
    ]
    located = service.locate_points(
        session, principal, [(x, y) for x, y, _ in points], body.crs, settings.routing_snap_m
    )
    return LocateBatchOut(
        results=[
            _locate_out(found, *_echo(x, y, body.crs, body.answer_crs), body.answer_crs, ref)
            for found, (x, y, ref) in zip(located, points, strict=True)
        ]
    )


# --- Teams and duty ------------------------------------------------------------------------------

TeamManager = Annotated[Principal, Depends(require(Permission.MANAGE_TEAMS))]


def member_out(member: workforce.Member) -> MemberOut:
    return MemberOut.model_validate(member, from_attributes=True)


def _team_out(session, grid: Area, at: datetime | None = None) -> TeamOut:
    team = workforce.team_of(session, grid)
    return TeamOut(
        grid_code=grid.code,
        primary=team.primary,
        backups=list(team.backups),
        handler=_handler_out(workforce.who_handles(session, grid.id, at)),
        members=[member_out(m) for m in workforce.grid_members(session, [grid.id])],
    )


@router.get("/grids/{code}/team", response_model=TeamOut, tags=["workers"], responses=_NOT_FOUND)
def get_team(
    code: AreaCode,
    principal: CurrentPrincipal,
    session: SessionDep,
    at: Annotated[
        AwareDatetime | None, Query(description="who handles it then (default: now)")
    ] = None,
) -> TeamOut:
    """A grid's primary and backup workers (in `members` with their names, masked phones and
    duty today), and who handles it now (or at `at`)."""
    return _team_out(session, area_in_scope(session, principal, code), at)


@router.put("/grids/{code}/team", response_model=TeamOut, tags=["workers"], responses=_NOT_FOUND)
def put_team(code: AreaCode, body: TeamIn, principal: TeamManager, session: SessionDep) -> TeamOut:
    """Reassign a grid (audited with the team before and after)."""
    grid = area_in_scope(session, principal, code)
    workforce.reassign_grid(
        session, grid, body.primary, body.backups, principal.actor, scope_of(session, principal)
    )
    return _team_out(session, grid)


@router.put("/users/{user_id}/duty", response_model=DutyOut, tags=["workers"], responses=_NOT_FOUND)
def put_duty(
    user_id: uuid.UUID, body: DutyIn, principal: TeamManager, session: SessionDep
) -> DutyOut:
    """On duty, off duty, or leave for a date range (Asia/Shanghai dates, inclusive)."""
    user = workforce.user_in_scope(session, scope_of(session, principal), user_id)
    duty = workforce.set_duty(
        session,
        user,
        workforce.Duty(body.status, body.leave_from, body.leave_until),
        principal.actor,
    )
    return DutyOut(
        user_id=user.id,
        status=duty.status,
        leave_from=duty.leave_from,
        leave_until=duty.leave_until,
        available_today=duty.available_on(utcnow().astimezone(LOCAL_TIME).date()),
    )


# --- Import, check, split --------------------------------------------------------------------------

Admin = Annotated[Principal, Depends(require(Permission.ADMINISTER))]


@router.post("/areas/import", response_model=ImportOut, tags=["areas"])
def import_areas(
    body: FeatureCollectionIn,
    principal: Admin,
    session: SessionDep,
    level: AreaLevel,
    crs: Crs = Crs.WGS84,
    parent: Annotated[Text | None, Query(max_length=32, description="parent area code")] = None,
    code_prop: Annotated[Text, Query(max_length=64)] = "adcode",
    name_prop: Annotated[Text, Query(max_length=64)] = "name",
    strict: bool = False,
) -> ImportOut:
    """Import a GeoJSON FeatureCollection as areas, all or nothing; a bad feature is named.
    Invalid polygons are repaired and listed (refused with `strict`); overlaps, pieces outside
    the parent and gaps are reported in m²."""
    if parent is not None:
        area_in_scope(session, principal, parent)
    result, moved = flows.import_areas(
        session,
        body.features,
        level=level,
        crs=crs,
        parent_code=parent,
        code_prop=code_prop,
        name_prop=name_prop,
        strict=strict,
        actor=principal.actor,
    )
    return ImportOut(
        imported=[a.code for a in result.created],
        repaired=[InvalidOut(code=code, reason=reason) for code, reason in result.repaired],
        check=FamilyReportOut.of(result.family),
        premises_rerouted=moved,
    )


@router.get(
    "/areas/{code}/check",
    response_model=FamilyReportOut | None,
    tags=["areas"],
    responses=_NOT_FOUND,
)
def check_area(code: AreaCode, principal: Manager, session: SessionDep) -> FamilyReportOut | None:
    """How the area's children fit it: invalid polygons, overlaps, pieces outside, gaps (m²);
    null when it has no children."""
    area = area_in_scope(session, principal, code)
    return FamilyReportOut.of(service.check_children(session, area))


@router.post("/areas/{code}/split", response_model=SplitOut, tags=["areas"], responses=_NOT_FOUND)
def split_township(
    code: AreaCode,
    principal: Manager,
    session: SessionDep,
    cell_size_m: Annotated[
        float | None, Query(ge=10, le=50_000, description="square cells")
    ] = None,
    max_premises: Annotated[int | None, Query(ge=1, le=100_000, description="quadtree")] = None,
    preview: bool = True,
) -> SplitOut:
    """Cut a township's villages into grids: square cells or a quadtree by premises. With
    `preview` (the default) nothing is saved."""
    area_in_scope(session, principal, code)
    result = flows.split_township(
        session,
        code,
        cell_size_m=cell_size_m,
        max_premises=max_premises,
        preview=preview,
        actor=principal.actor,
    )
    features = [
        {
            "type": "Feature",
            "id": grid.code,
            "properties": {
                "code": grid.code,
                "name": grid.name,
                "village_code": grid.village_code,
                "area_m2": round(grid.area_m2, 1),
                "premises": grid.premises,
            },
            "geometry": mapping(grid.geometry),
        }
        for grid in result.planned
    ]
    return SplitOut(
        township=code,
        saved=result.saved,
        premises_rerouted=result.premises_moved,
        grids={"type": "FeatureCollection", "features": features},
    )
