"""Patrols from phones: `visits` (check-in where the phone was, check-out), `visit_answers`
(checklist answers; a failed item reports a hazard) and `track_points` (where the phone was,
never pulled back), applied through patrols.visits.

Each record is refused on its first bad field, in the order the models declare them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import PlainValidator, ValidationInfo, field_validator

from offline_sync import fields
from offline_sync.fields import refusal
from offline_sync.protocol import Entry, Push, TableAdapter
from patrols import visits
from patrols.enums import AnswerResult


class DeviceVisit(fields.DeviceRecord):
    id: fields.Uuid
    task_id: fields.OptionalUuid = None
    premises_id: fields.OptionalUuid = None
    checked_in_at: fields.RequiredMoment = None
    lng: fields.Longitude = None
    lat: fields.Latitude = None
    crs: fields.CrsOrWgs84 = None
    accuracy_m: fields.Accuracy = None
    checked_out_at: fields.Moment = None

    def as_record(self) -> visits.VisitRecord:
        return visits.VisitRecord(
            id=self.id,
            task_id=self.task_id,
            premises_id=self.premises_id,
            checked_in_at=self.checked_in_at,
            check_in=visits.CheckIn(
                lng=self.lng, lat=self.lat, crs=self.crs, accuracy_m=self.accuracy_m
            ),
            checked_out_at=self.checked_out_at,
        )


def _result(value: Any) -> AnswerResult:
    try:
        return AnswerResult(value)
    except ValueError:
        raise refusal("must be pass, fail or na") from None


def _item_key(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise refusal("is required")
    return value


def _note(value: Any) -> str:
    value = value or ""
    if not isinstance(value, str) or len(value) > 2000:
        raise refusal("must be text of at most 2000 characters")
    return value.strip()


class DeviceAnswer(fields.DeviceRecord):
    result: Annotated[AnswerResult, PlainValidator(_result)] = None
    item_key: Annotated[str, PlainValidator(_item_key)] = None
    note: Annotated[str, PlainValidator(_note)] = None
    id: fields.Uuid
    visit_id: fields.Uuid = None
    answered_at: fields.Moment = None

    def as_record(self) -> visits.AnswerRecord:
        return visits.AnswerRecord(
            id=self.id,
            visit_id=self.visit_id,
            item_key=self.item_key,
            result=self.result,
            note=self.note,
            answered_at=self.answered_at,
        )


class DeviceTrackPoint(fields.DeviceRecord):
    lng: fields.Longitude = None
    lat: fields.Latitude = None
    id: fields.Uuid
    visit_id: fields.OptionalUuid = None
    recorded_at: fields.RequiredMoment = None
    crs: fields.CrsOrWgs84 = None
    accuracy_m: fields.Accuracy = None

    @field_validator("lat")
    @classmethod
    def _placed(cls, lat: float | None, info: ValidationInfo) -> float | None:
        """Both coordinates, checked before the fields that follow (named at `lng`)."""
        if "lng" in info.data and (info.data["lng"] is None or lat is None):
            raise refusal("a track point needs lng and lat", fields.AFTER_RECORD, field="lng")
        return lat

    def as_record(self) -> visits.TrackRecord:
        return visits.TrackRecord(
            id=self.id,
            visit_id=self.visit_id,
            recorded_at=self.recorded_at,
            lng=self.lng,
            lat=self.lat,
            crs=self.crs,
            accuracy_m=self.accuracy_m,
        )


def apply_visits(push: Push, entries: list[Entry]) -> None:
    def visit(raw, where):
        body = fields.read(DeviceVisit, raw, where).as_record()
        _, created = visits.record_visit(push.session, push.principal, push.settings, body)
        push.outcome.created += created
        push.outcome.updated += not created

    for where, raw in entries:
        push.problems.check(where, visit, raw, where)


def apply_answers(push: Push, entries: list[Entry]) -> None:
    """After the visits; a failed item reports its hazard, so photos pushed with it find it."""

    def answer(raw, where):
        body = fields.read(DeviceAnswer, raw, where).as_record()
        _, created = visits.record_answer(push.session, push.principal, push.settings, body)
        push.outcome.created += created
        push.outcome.updated += not created

    for where, raw in entries:
        push.problems.check(where, answer, raw, where)


def apply_track_points(push: Push, entries: list[Entry]) -> None:
    """In one insert; a point already received is skipped (a re-sent batch)."""
    points = [
        point
        for where, raw in entries
        for point in [push.problems.parse(where, _track_point, raw, where)]
        if point is not None
    ]
    added = visits.record_track(push.session, push.principal, points) if points else 0
    push.outcome.created += added
    push.outcome.unchanged += len(points) - added


def _track_point(raw: dict[str, Any], where: str) -> visits.TrackRecord:
    return fields.read(DeviceTrackPoint, raw, where).as_record()


ADAPTERS = (
    TableAdapter("visits", 20, apply_visits),
    TableAdapter("visit_answers", 30, apply_answers),
    TableAdapter("track_points", 40, apply_track_points),
)
