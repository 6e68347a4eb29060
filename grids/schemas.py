from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from backend.core.errors import InvalidInput
from backend.core.privacy import mask_phone
from backend.core.sheets import ImportOutcome, ImportProblem
from backend.core.types import INT32_MAX, Text
from backend.identity.enums import Role
from grids.enums import AreaLevel, Crs, DutyStatus, HandlerKind, RouteStatus


class AreaOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    version: int


class AreaDetail(AreaOut):
    crs: str
    bbox: list[float] = Field(description="[min_lng, min_lat, max_lng, max_lat]")
    geometry: dict[str, Any] = Field(description="GeoJSON MultiPolygon")


class AreaPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text = Field(min_length=1, max_length=100)
    version: int | None = Field(
        default=None,
        ge=1,
        le=INT32_MAX,
        description="the version you read; a stale one is refused with 409",
    )


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: Text | None = Field(
        default=None,
        min_length=10,
        max_length=1024,
        description="left out: firegrid makes a temporary one (in the answer, shown once) that "
        "must be changed at the first sign-in",
    )
    role: Role
    display_name: Text | None = Field(default=None, max_length=100)
    certificate_number: Text | None = Field(default=None, min_length=1, max_length=64)
    certificate_expires_on: date | None = None
    phone: Text | None = Field(default=None, max_length=20, description="a mobile, for texts")

    @model_validator(mode="after")
    def _certificate_complete(self) -> UserCreate:
        if (self.certificate_number is None) != (self.certificate_expires_on is None):
            raise ValueError(
                "a certificate needs both certificate_number and certificate_expires_on"
            )
        return self


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    is_active: bool
    certificate_number: str | None
    certificate_expires_on: date | None
    phone: str | None = Field(description="masked: 138****1234")

    @field_validator("phone")
    @classmethod
    def _masked(cls, phone: str | None) -> str | None:
        return mask_phone(phone)


class CertificateOut(BaseModel):
    number: str
    expires_on: date
    valid_today: bool


class MeOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    scope_area_code: str | None
    grid_codes: list[str]
    certificate: CertificateOut | None
    permissions: list[str] = Field(
        description="what your role may do (backend/identity/permissions.py), e.g. for a menu"
    )
    password_change_required: bool = Field(
        False, description="your password was reset: choose a new one before anything else"
    )
    creates: list[CreatableRole] = Field(
        default_factory=list,
        description="the roles you create and administer (reset, deactivate) in your area",
    )


# --- Locating points -----------------------------------------------------------------------------

Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lng: Longitude
    lat: Latitude
    ref: Text | None = Field(default=None, max_length=64, description="your id, echoed back")


class LocateBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    crs: Crs = Crs.WGS84
    answer_crs: Crs = Field(default=Crs.WGS84, description="CRS of the echoed coordinates")
    points: list[PointIn | tuple[Longitude, Latitude]] = Field(min_length=1, max_length=10_000)


class PlaceOut(BaseModel):
    code: str
    name: str


class HandlerOut(BaseModel):
    kind: HandlerKind
    area_code: str
    user_id: uuid.UUID | None
    display_name: str | None


class LocateOut(BaseModel):
    ref: str | None = None
    lng: float
    lat: float
    crs: Crs
    status: RouteStatus
    distance_m: float | None = Field(description="for status nearest: metres outside the grid")
    grid: PlaceOut | None
    village: PlaceOut | None
    township: PlaceOut | None
    county: PlaceOut | None
    handler: HandlerOut | None = Field(
        description="who handles it now; null outside your scope or when unrouted"
    )


class LocateBatchOut(BaseModel):
    results: list[LocateOut]


# --- Teams and duty --------------------------------------------------------------------------------


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    primary: uuid.UUID | None
    backups: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class MemberOut(BaseModel):
    """Someone who works a grid: its primary or a backup worker, or its village's grid leader."""

    user_id: uuid.UUID
    display_name: str
    role: Role
    relation: Literal["primary", "backup", "grid_leader"]
    area_code: str = Field(description="the grid, or for a grid leader the village")
    area_name: str
    phone: str | None = Field(description="masked: 138****1234")
    duty: DutyStatus
    available_today: bool = Field(description="on duty and not on leave today (Beijing time)")
    leave_from: date | None = Field(None, description="a leave's first day, if one is set")
    leave_until: date | None = Field(None, description="its last day")


class TeamOut(BaseModel):
    grid_code: str
    primary: uuid.UUID | None
    backups: list[uuid.UUID]
    handler: HandlerOut | None
    members: list[MemberOut] = Field(
        description="the primary and the backups with their names, masked phones and duty"
    )


class CreatedUserOut(UserOut):
    temporary_password: str | None = Field(
        None, description="when no password was given: shown once, to be changed at first sign-in"
    )


class PeopleImportLine(BaseModel):
    """What the import does, or would do, with one line of a roll of people."""

    line: int = Field(description="as the spreadsheet numbers it: the header is line 1")
    outcome: ImportOutcome = Field(description="created, unchanged or refused")
    user_id: uuid.UUID | None = Field(description="the person created, or already there")
    username: str | None
    display_name: str | None
    role: str | None
    area_code: str | None
    area_name: str | None
    temporary_password: str | None = Field(
        None,
        description="a person created by this import (not a preview): shown this once, to be "
        "changed at the first sign-in",
    )
    problems: list[ImportProblem] = Field(description="for a refused line: why")


class PeopleImportReport(BaseModel):
    preview: bool = Field(description="true: nothing was written")
    imported: int = Field(description="people created (0 in a preview)")
    created: int
    unchanged: int
    refused: int
    lines: list[PeopleImportLine]
    problems: list[ImportProblem] = Field(description="every refused line's reasons, in one list")


class CreatableRole(BaseModel):
    role: Role
    levels: list[AreaLevel] = Field(description="the area levels such a user is placed at")


class PasswordResetOut(BaseModel):
    user: UserOut
    temporary_password: str = Field(
        description="shown once, never stored in clear; to be changed at the next sign-in"
    )
    password_change_required: bool


class PersonOut(BaseModel):
    """A person placed in an area, as staff list them."""

    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    area_code: str | None = Field(description="staff: their area; grid workers: a grid of theirs")
    area_name: str | None
    active: bool
    phone: str | None = Field(description="masked: 138****1234")
    administrable: bool = Field(
        False, description="you may reset their password and close or reopen their account"
    )


class DutyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: DutyStatus
    leave_from: date | None = None
    leave_until: date | None = None


class DutyOut(DutyIn):
    user_id: uuid.UUID
    available_today: bool


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """`min_lng,min_lat,max_lng,max_lat` in WGS-84 degrees, or a 422 saying so."""
    if value is None:
        return None
    try:
        numbers = tuple(float(part) for part in value.split(","))
    except ValueError:
        numbers = ()
    if len(numbers) != 4 or not (
        -180 <= numbers[0] <= numbers[2] <= 180 and -90 <= numbers[1] <= numbers[3] <= 90
    ):
        raise InvalidInput("bbox is min_lng,min_lat,max_lng,max_lat (WGS-84 degrees)", field="bbox")
    return numbers  # type: ignore[return-value]


# --- Import, check, split ------------------------------------------------------------------------


class InvalidOut(BaseModel):
    code: str
    reason: str


class OverlapOut(BaseModel):
    first: str
    second: str
    area_m2: float


class OutsideOut(BaseModel):
    code: str
    area_m2: float


class FamilyReportOut(BaseModel):
    parent: str
    ok: bool
    invalid: list[InvalidOut]
    overlaps: list[OverlapOut]
    outside: list[OutsideOut]
    gap_m2: float
    gap_count: int

    @classmethod
    def of(cls, report) -> FamilyReportOut | None:
        if report is None:
            return None
        return cls(
            parent=report.parent,
            ok=report.ok,
            invalid=[InvalidOut(code=i.code, reason=i.reason) for i in report.invalid],
            overlaps=[
                OverlapOut(first=o.first, second=o.second, area_m2=o.area_m2)
                for o in report.overlaps
            ],
            outside=[OutsideOut(code=o.code, area_m2=o.area_m2) for o in report.outside],
            gap_m2=report.gap_m2,
            gap_count=report.gap_count,
        )


class FeatureCollectionIn(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]] = Field(min_length=1, max_length=50_000)


class ImportOut(BaseModel):
    imported: list[str]
    repaired: list[InvalidOut]
    check: FamilyReportOut | None
    premises_rerouted: int


class SplitOut(BaseModel):
    township: str
    saved: bool
    premises_rerouted: int
    grids: dict[str, Any] = Field(description="GeoJSON FeatureCollection of the (planned) grids")
