"""Rules of the premises registry. No web imports."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.settings import Settings, get_settings
from backend.identity.service import Principal
from grids.enums import Crs, RouteStatus
from grids.models import Area, AreaRevision
from grids.premises.enums import SupervisionTier
from grids.premises.models import Premises
from grids.premises.schemas import ImportProblem, PremisesFields, PremisesPatch
from grids.routing import area_revision, current_index
from grids.scope import Scope, scope_of
from grids.service import place_point, placement_of

MAX_IMPORT_ROWS = 20_000


def _snapshot(premises: Premises) -> dict[str, Any]:
    """What the audit log keeps: the entry without the contact's phone number."""
    return {
        "name": premises.name,
        "uscc": premises.uscc,
        "premises_type": premises.premises_type,
        "risk_level": premises.risk_level,
        "supervision_tier": premises.supervision_tier,
        "key_unit": premises.key_unit,
        "address": premises.address,
        "lng": premises.lng,
        "lat": premises.lat,
        "area_path": premises.area_path,
    }


def create(
    session: Session, principal: Principal, fields: PremisesFields, scope: Scope | None = None
) -> Premises:
    scope = scope or scope_of(session, principal)
    located, placement = place_point(
        session, fields.lng, fields.lat, fields.crs, get_settings().routing_snap_m
    )
    if placement is None:
        raise InvalidInput("the location is not inside any township we know", field="lng")
    if not scope.covers_path(placement.area_path):
        raise InvalidInput("the location is outside your area", field="lng")
    if fields.uscc is None and not fields.individual_business:
        raise InvalidInput(
            "a unified social credit code is required (optional for individual businesses)",
            field="uscc",
        )
    tier = fields.supervision_tier or (
        SupervisionTier.BRIGADE if fields.key_unit else SupervisionTier.TOWNSHIP
    )
    premises = Premises(
        name=fields.name,
        uscc=fields.uscc,
        individual_business=fields.individual_business,
        premises_type=fields.premises_type.value,
        risk_level=fields.risk_level.value,
        supervision_tier=tier.value,
        key_unit=fields.key_unit,
        address=fields.address,
        **located,
        contact_name=fields.contact_name,
        contact_phone=fields.contact_phone,
    )
    session.add(premises)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="premises.created",
        subject_type="premises",
        subject_id=premises.id,
        after=_snapshot(premises),
    )
    return premises


def in_scope(session: Session, principal: Principal, premises_id: uuid.UUID) -> Premises:
    premises = session.get(Premises, premises_id)
    if (
        premises is None
        or premises.archived
        or not scope_of(session, principal).covers_path(premises.area_path)
    ):
        raise NotFound(f"no premises with id {premises_id}")
    return premises


def change(
    session: Session, principal: Principal, premises_id: uuid.UUID, patch: PremisesPatch
) -> Premises:
    """Conditional update on the version the caller read: a stale edit is refused, not merged."""
    premises = in_scope(session, principal, premises_id)
    values = patch.model_dump(exclude_unset=True, exclude={"version"})
    values = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
    before = _snapshot(premises)
    changed = session.execute(
        update(Premises)
        .where(Premises.id == premises.id, Premises.version == patch.version)
        .values(**values, version=patch.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise Conflict(
            f"premises {premises.id} was changed meanwhile (version {premises.version}, you sent {patch.version})",
            current_version=premises.version,
        )
    session.refresh(premises)
    audit.record(
        session,
        actor=principal.actor,
        action="premises.changed",
        subject_type="premises",
        subject_id=premises.id,
        before=before,
        after=_snapshot(premises),
    )
    return premises


def archive(session: Session, principal: Principal, premises_id: uuid.UUID) -> None:
    """Premises leave the registry but their history stays (hazards and visits refer to them)."""
    premises = in_scope(session, principal, premises_id)
    premises.archived = True
    premises.version += 1
    audit.record(
        session,
        actor=principal.actor,
        action="premises.archived",
        subject_type="premises",
        subject_id=premises.id,
        before=_snapshot(premises),
    )


@dataclass(frozen=True)
class PremisesFilter:
    area_code: str | None = None
    premises_type: str | None = None
    risk_level: str | None = None
    bbox: tuple[float, float, float, float] | None = (
        None  # WGS-84 min_lng, min_lat, max_lng, max_lat
    )
    text: str | None = None


def query_in_scope(session: Session, principal: Principal, where: PremisesFilter) -> Select:
    scope = scope_of(session, principal)
    query = (
        select(Premises, Area.code)
        .outerjoin(Area, Area.id == Premises.area_id)
        .where(Premises.archived.is_(False))
    )
    if not scope.everywhere:
        query = query.where(scope.area_clause_on(Premises.area_path))
    if where.area_code:
        path = session.scalar(select(Area.path).where(Area.code == where.area_code))
        if path is None or not scope.covers_path(path):
            raise NotFound(f"no area with code {where.area_code!r}")
        query = query.where(Premises.area_path.startswith(path, autoescape=True))
    if where.premises_type:
        query = query.where(Premises.premises_type == where.premises_type)
    if where.risk_level:
        query = query.where(Premises.risk_level == where.risk_level)
    if where.bbox:
        min_x, min_y, max_x, max_y = where.bbox
        query = query.where(Premises.lng.between(min_x, max_x), Premises.lat.between(min_y, max_y))
    if where.text:
        query = query.where(Premises.name.contains(where.text, autoescape=True))
    return query.order_by(Premises.name, Premises.id)


def area_code_of(session: Session, premises: Premises) -> str | None:
    return (
        session.scalar(select(Area.code).where(Area.id == premises.area_id))
        if premises.area_id
        else None
    )


# --- CSV import ------------------------------------------------------------------------------------

CSV_COLUMNS = tuple(PremisesFields.model_fields)


def import_csv(
    session: Session, principal: Principal, text: str, default_crs: Crs
) -> tuple[int, list[ImportProblem]]:
    """Import premises from CSV, all or nothing: every bad row is reported with its line number
    (the header is line 1) and nothing is written if any row is bad."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        return 0, [ImportProblem(line=1, field="header", message="the file is empty")]
    unknown = [c for c in reader.fieldnames if c not in CSV_COLUMNS]
    missing = [
        c for c in ("name", "premises_type", "address", "lng", "lat") if c not in reader.fieldnames
    ]
    if unknown or missing:
        message = (
            "; ".join(
                part
                for part in (
                    f"unknown columns: {', '.join(unknown)}" if unknown else "",
                    f"missing columns: {', '.join(missing)}" if missing else "",
                )
                if part
            )
            + f" (columns: {', '.join(CSV_COLUMNS)})"
        )
        return 0, [ImportProblem(line=1, field="header", message=message)]
    problems: list[ImportProblem] = []
    parsed: list[tuple[int, PremisesFields]] = []
    line = reader.line_num
    for row in reader:
        if len(parsed) + len(problems) >= MAX_IMPORT_ROWS:
            problems.append(
                ImportProblem(
                    line=reader.line_num, field="file", message=f"more than {MAX_IMPORT_ROWS} rows"
                )
            )
            break
        values = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
        values.setdefault("crs", default_crs.value)
        try:
            parsed.append((line + 1, PremisesFields.model_validate(values)))
        except ValidationError as exc:
            problems.extend(
                ImportProblem(
                    line=line + 1,
                    field=".".join(str(p) for p in err["loc"]) or "row",
                    message=err["msg"],
                )
                for err in exc.errors()
            )
        line = reader.line_num
    scope = scope_of(session, principal)
    created = 0
    for line_no, fields in parsed:
        try:
            with session.begin_nested():
                create(session, principal, fields, scope)
            created += 1
        except InvalidInput as exc:
            problems.append(
                ImportProblem(
                    line=line_no, field=str(exc.extensions.get("field", "row")), message=exc.detail
                )
            )
    return (0, sorted(problems, key=lambda p: p.line)) if problems else (created, [])


# --- Keeping placements current ---------------------------------------------------------------------


def reroute(session: Session, premises: Iterable[Premises] | None = None) -> int:
    """Route premises again after the grids changed; returns how many moved."""
    index = current_index(session, get_settings().routing_snap_m)
    rows = (
        list(premises)
        if premises is not None
        else list(session.scalars(select(Premises).where(Premises.archived.is_(False))))
    )
    routes = index.route_many([p.lng for p in rows], [p.lat for p in rows]) if rows else []
    moved = 0
    for item, route in zip(rows, routes, strict=True):
        placement = placement_of(route)
        area_id = placement.area_id if placement else None
        if area_id != item.area_id:
            before = {"area_path": item.area_path}
            item.area_id = area_id
            item.area_path = placement.area_path if placement else ""
            item.route_status = (placement.status if placement else RouteStatus.UNROUTED).value
            moved += 1
            audit.record(
                session,
                actor=audit.Actor.system(),
                action="premises.rerouted",
                subject_type="premises",
                subject_id=item.id,
                before=before,
                after={"area_path": item.area_path},
            )
    return moved


ROUTED_MARK = 2  # the area_revision row recording the revision premises were last routed at


def reroute_if_areas_changed(session: Session, settings: Settings) -> int:
    """Worker job: when the area revision moved since the last run, route all premises again.
    Idempotent; costs one small query when nothing changed."""
    current = area_revision(session)
    mark = session.get(AreaRevision, ROUTED_MARK)
    if mark is not None and mark.revision == current:
        return 0
    moved = reroute(session)
    if mark is None:
        session.add(AreaRevision(id=ROUTED_MARK, revision=current))
    else:
        mark.revision = current
    return moved
