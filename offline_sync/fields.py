"""The fields of a device's records as pydantic reads them, for every table family.

Phones send loose JSON (WatermelonDB columns: strings, numbers, nulls), and the 422 of a push
names each bad field with a message a worker can act on, so each type here refuses with its
own message rather than pydantic's. A message follows the field's path (AFTER_FIELD:
`changes.visits.created[0].lat must be ...`), stands alone (BARE, as pydantic's own do), or
follows the record's path (AFTER_RECORD: `changes.track_points.created[0]: a track point
needs ...`): each as the phones have always been told.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from backend.core.errors import InvalidInput
from grids.crs import Crs
from offline_sync.problems import invalid

AFTER_FIELD, BARE, AFTER_RECORD = "sync_after_field", "sync_bare", "sync_after_record"


def refusal(message: str, placed: str = AFTER_FIELD, field: str = "") -> PydanticCustomError:
    """A field's refusal; `field` names another field of the record than the one checked."""
    return PydanticCustomError(placed, message, {"field": field} if field else None)


class DeviceRecord(BaseModel):
    """A record as a phone sends it: unknown columns are WatermelonDB's own (`_status`,
    `_changed`) or the server's; missing ones are checked as nulls."""

    model_config = ConfigDict(extra="ignore", validate_default=True)


def read(
    model: type[DeviceRecord],
    raw: dict[str, Any],
    where: str,
    *,
    context: dict[str, Any] | None = None,
) -> Any:
    """`raw` as `model`, or an InvalidInput naming every bad field under `where`."""
    found, errors = check(model, raw, where, context)
    if errors:
        raise invalid(errors)
    return found


def check(
    model: type[BaseModel], data: dict[str, Any], where: str, context: dict | None = None
) -> tuple[Any, list[dict[str, str]]]:
    """(`data` as `model`, no errors), or (None, its errors ({field, message}) under `where`)."""
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as exc:
        return None, [_error(e, where) for e in exc.errors()]


def check_field(
    adapter: TypeAdapter, value: Any, where: str, name: str
) -> tuple[Any, list[dict[str, str]]]:
    """`check` for one field alone (a model of one field costs twice as much, per record of a
    push of hundreds)."""
    try:
        return adapter.validate_python(value), []
    except ValidationError as exc:
        return None, [_error({**e, "loc": (name,)}, where) for e in exc.errors()]


def _error(error: Any, where: str) -> dict[str, str]:
    name = (error.get("ctx") or {}).get("field") or ".".join(str(p) for p in error["loc"])
    path = f"{where}.{name}"
    if error["type"] == AFTER_FIELD:
        return {"field": path, "message": f"{path} {error['msg']}"}
    if error["type"] == AFTER_RECORD:
        return {"field": path, "message": f"{where}: {error['msg']}"}
    return {"field": path, "message": error["msg"]}  # BARE, and pydantic's own


def to_uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise refusal("is not a uuid") from None


def _optional_uuid(value: Any) -> uuid.UUID | None:
    return to_uuid(value) if value else None


def moment(value: Any) -> datetime | None:
    """Milliseconds since the epoch (WatermelonDB's times); none, empty or 0: no time."""
    if value in (None, "", 0):
        return None
    try:
        return datetime.fromtimestamp(float(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise refusal("is not a time in milliseconds") from None


def _required_moment(value: Any) -> datetime:
    found = moment(value)
    if found is None:
        raise refusal("is required (milliseconds)")
    return found


def _crs(value: Any) -> Crs:
    try:
        return Crs(value or "wgs84")
    except ValueError:
        raise refusal(f"must be one of {', '.join(c.value for c in Crs)}") from None


def number(low: float, high: float) -> PlainValidator:
    """A number from `low` to `high` (not a boolean, not text), or none."""

    def check(value: Any) -> float | None:
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise refusal(f"must be a number from {low} to {high}")
        return float(value)

    return PlainValidator(check)


Uuid = Annotated[uuid.UUID, PlainValidator(to_uuid)]
OptionalUuid = Annotated[uuid.UUID | None, PlainValidator(_optional_uuid)]
Moment = Annotated[datetime | None, PlainValidator(moment)]
RequiredMoment = Annotated[datetime, PlainValidator(_required_moment)]
CrsOrWgs84 = Annotated[Crs, PlainValidator(_crs)]
Longitude = Annotated[float | None, number(-180, 180)]
Latitude = Annotated[float | None, number(-90, 90)]
Accuracy = Annotated[float | None, number(0, 100_000)]


class Identified(DeviceRecord):
    """A record's id alone: read first, since a record already here is not read further."""

    id: Uuid


def record_id(raw: dict[str, Any], where: str) -> uuid.UUID:
    return read(Identified, raw, where).id


def uuid_at(value: Any, where: str) -> uuid.UUID:
    """One id the push names by itself (a deleted record's)."""
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{where} is not a uuid", field=where) from exc
