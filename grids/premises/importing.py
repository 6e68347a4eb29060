"""Importing a sheet of premises: each line creates premises, updates the ones it matches, or
leaves them unchanged; the same sheet imported twice changes nothing the second time.

A line matches existing premises by its external reference (外部编号) or, failing that, by its
unified social credit code (统一社会信用代码). Matching looks at the whole registry, not only the
caller's area, so that a station cannot register a second copy of premises another township
holds; but a match outside the caller's area is refused in the same words as any code the
caller may not use, so that the answer does not tell where, or whether, the premises exist.

Only what a line says is compared: an empty cell, or a column the sheet does not have, leaves
the stored value alone, and a line that says nothing new is "unchanged", not "updated".

Every line is judged before anything is written, so a preview and an import give the same
answer. An import writes only when no line is refused (docs/decisions/0034-premises-import.md):
the office corrects the refused lines and sends the same sheet again, which is harmless since
the lines already in are unchanged.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.privacy import mask_phone
from backend.core.settings import get_settings
from backend.core.sheets import ImportOutcome, ImportProblem, Sheet, header_refusal
from backend.identity.service import Principal
from grids.enums import Crs
from grids.premises import sheets
from grids.premises.models import Premises
from grids.premises.schemas import ImportChange, ImportLine, ImportReport, PremisesFields
from grids.premises.service import new_premises, registration_problem, snapshot
from grids.scope import Scope, scope_of
from grids.service import Placement, place_points

COLUMNS = tuple(PremisesFields.model_fields)
_SHEET = dataclasses.replace(sheets.COLUMNS, order=COLUMNS)  # a header problem lists these
# The fields a line may change, in the order an answer lists them; a location is its three.
COMPARED = tuple(c for c in COLUMNS if c not in ("lng", "lat", "crs"))
_LOOKUP_CHUNK = 500  # keys per IN (...): well inside every database's parameter limit

OUTSIDE_SCOPE = "this code or external reference cannot be used in your area"


@dataclass
class _Line:
    """One line on its way through the import: what it says, what it matched, what to do."""

    number: int
    name: str | None
    fields: PremisesFields | None = None
    target: Premises | None = None
    changes: list[ImportChange] = field(default_factory=list)
    located: dict[str, Any] | None = None  # where routing put it, when it is new or moved
    created: Premises | None = None  # once written
    problems: list[ImportProblem] = field(default_factory=list)

    def refuse(self, field_name: str, message: str) -> None:
        self.problems.append(ImportProblem(line=self.number, field=field_name, message=message))

    @property
    def outcome(self) -> ImportOutcome:
        if self.problems:
            return ImportOutcome.REFUSED
        if self.target is None:
            return ImportOutcome.CREATED
        return ImportOutcome.UPDATED if self.changes else ImportOutcome.UNCHANGED


def import_sheet(
    session: Session,
    principal: Principal,
    sheet: Sheet,
    default_crs: Crs,
    *,
    preview: bool,
) -> ImportReport:
    """Judge every line of `sheet`; unless this is a preview or a line is refused, apply them.
    The report says, line by line, what was (or would be) done."""
    header_problem = _SHEET.header_problem(sheet.header)
    if header_problem is not None:
        return _report([_header_line(header_problem)], preview=preview, written=False)
    lines = [_parse(number, cells, default_crs) for number, cells in sheet.rows]
    scope = scope_of(session, principal)
    _match(session, scope, [line for line in lines if not line.problems])
    _place(session, scope, [line for line in lines if not line.problems])
    if preview or any(line.problems for line in lines):
        return _report(lines, preview=preview, written=False)
    _apply(session, principal, lines)
    return _report(lines, preview=preview, written=True)


# --- Reading the lines ---------------------------------------------------------------------------


def _header_line(message: str) -> _Line:
    line = _Line(number=1, name=None)
    line.problems.append(header_refusal(message))
    return line


def _parse(number: int, cells: dict[str, str], default_crs: Crs) -> _Line:
    values = _SHEET.fields(cells)
    values.setdefault("crs", default_crs.value)
    line = _Line(number=number, name=values.get("name"))
    try:
        line.fields = PremisesFields.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            line.refuse(".".join(str(p) for p in error["loc"]) or "row", error["msg"])
    return line


# --- Matching lines to premises ------------------------------------------------------------------


def _match(session: Session, scope: Scope, lines: list[_Line]) -> None:
    """Find each line's premises: by external reference, else by code. Two lines of one sheet
    that name the same premises are one too many: the second is refused."""
    parsed = [(line, line.fields) for line in lines if line.fields is not None]
    by_ref = {
        p.external_ref: p
        for p in _lookup(session, Premises.external_ref, {f.external_ref for _, f in parsed})
    }
    by_code: dict[str, list[Premises]] = {}
    for premises in _lookup(session, Premises.uscc, {f.uscc for _, f in parsed}, live=True):
        by_code.setdefault(premises.uscc or "", []).append(premises)
    first_line: dict[Any, int] = {}
    for line, fields in parsed:
        target, key_field = None, "uscc"
        if fields.external_ref is not None:
            target, key_field = by_ref.get(fields.external_ref), "external_ref"
        if target is None and fields.uscc is not None:
            key_field = "uscc"
            # A line with a reference claims premises with its code that have none yet (and
            # that no earlier line claimed): others with the code are other sites.
            found = [
                p
                for p in by_code.get(fields.uscc, [])
                if fields.external_ref is None
                or (p.external_ref is None and ("premises", p.id) not in first_line)
            ]
            ours = [p for p in found if scope.covers_path(p.area_path)]
            if len(ours) > 1:
                line.refuse(
                    "uscc",
                    f"{len(ours)} premises in your area carry this unified social credit code; "
                    "add an external_ref column to say which one",
                )
                continue
            target = ours[0] if ours else found[0] if found else None
        if target is not None and not scope.covers_path(target.area_path):
            line.refuse(key_field, OUTSIDE_SCOPE)
            continue
        if target is not None and target.archived:
            line.refuse("external_ref", "the premises with this external reference are archived")
            continue
        keys = _keys(target, fields)
        clash = next((key for key in keys if key in first_line), None)
        if clash is not None:
            named_by = clash[0] if clash[0] != "premises" else key_field
            line.refuse(named_by, f"line {first_line[clash]} already names these premises")
            continue
        first_line.update((key, line.number) for key in keys)
        line.target = target


def _keys(target: Premises | None, fields: PremisesFields) -> list[tuple[str, Any]]:
    """What names the premises a line is about: the premises it matched, its reference, or
    (without a reference) its code."""
    keys: list[tuple[str, Any]] = [("premises", target.id)] if target is not None else []
    if fields.external_ref is not None:
        keys.append(("external_ref", fields.external_ref))
    elif fields.uscc is not None:
        keys.append(("uscc", fields.uscc))
    return keys


def _lookup(
    session: Session, column: Any, keys: set[str | None], *, live: bool = False
) -> list[Premises]:
    wanted = sorted(k for k in keys if k is not None)
    found: list[Premises] = []
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        query = select(Premises).where(column.in_(wanted[start : start + _LOOKUP_CHUNK]))
        if live:
            query = query.where(Premises.archived.is_(False))
        found.extend(session.scalars(query))
    return found


# --- Where each line is, and what it changes ----------------------------------------------------


def _place(session: Session, scope: Scope, lines: list[_Line]) -> None:
    """Route, in one pass, the lines that are new or move their premises; then say what each
    line changes and whether the caller may register it there."""
    moving = [line for line in lines if line.fields and _moves(line.target, line.fields)]
    placed = place_points(
        session,
        [(line.fields.lng, line.fields.lat, line.fields.crs) for line in moving if line.fields],
        get_settings().routing_snap_m,
    )
    placements: dict[int, Placement | None] = {}
    for line, (located, placement) in zip(moving, placed, strict=True):
        line.located, placements[line.number] = located, placement
    for line in lines:
        fields = line.fields
        if fields is None:
            continue
        target = line.target
        uscc = fields.uscc if fields.uscc is not None or target is None else target.uscc
        individual = (
            fields.individual_business
            if target is None or "individual_business" in fields.model_fields_set
            else target.individual_business
        )
        if line.number in placements:
            placement = placements[line.number]
            area_path = placement.area_path if placement is not None else None
        else:  # an update that stays where it is, in the caller's area
            area_path = target.area_path if target is not None else None
        problem = registration_problem(uscc, individual, area_path, scope)
        if problem is not None:
            line.refuse(*problem)
        elif target is not None:
            line.changes = _changes(target, fields)


def _moves(target: Premises | None, fields: PremisesFields) -> bool:
    if target is None:
        return True
    return not (
        target.raw_crs == fields.crs.value
        and math.isclose(target.raw_lng, fields.lng, rel_tol=0, abs_tol=1e-9)
        and math.isclose(target.raw_lat, fields.lat, rel_tol=0, abs_tol=1e-9)
    )


def _changes(target: Premises, fields: PremisesFields) -> list[ImportChange]:
    given = fields.model_fields_set
    changes = []
    for name in COMPARED:
        if name not in given:
            continue
        after, before = _plain(getattr(fields, name)), getattr(target, name)
        if after is not None and after != before:
            changes.append(_change(name, before, after))
    if _moves(target, fields):
        for name, before, after in (
            ("lng", target.raw_lng, fields.lng),
            ("lat", target.raw_lat, fields.lat),
            ("crs", target.raw_crs, fields.crs.value),
        ):
            if before != after:
                changes.append(_change(name, before, after))
    return changes


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _change(name: str, before: Any, after: Any) -> ImportChange:
    if name == "contact_phone":
        before, after = mask_phone(before), mask_phone(after)
    return ImportChange(field=name, before=before, after=after)


# --- Writing ---------------------------------------------------------------------------------------


def _apply(session: Session, principal: Principal, lines: list[_Line]) -> None:
    """Write what the lines say, with one audit event per premises created or changed."""
    written: list[tuple[str, Premises, dict[str, Any] | None]] = []
    for line in lines:
        fields, target = line.fields, line.target
        if fields is None or line.outcome is ImportOutcome.UNCHANGED:
            continue
        if target is None:
            line.created = new_premises(fields, line.located or {})
            session.add(line.created)
            written.append(("premises.created", line.created, None))
            continue
        before = snapshot(target)
        for name in {change.field for change in line.changes} - {"lng", "lat", "crs"}:
            setattr(target, name, _plain(getattr(fields, name)))
        for column, value in (line.located or {}).items():
            setattr(target, column, value)
        target.version += 1
        written.append(("premises.changed", target, before))
    session.flush()
    audit.record_many(
        session,
        [
            audit.Entry(principal.actor, action, "premises", p.id, before, snapshot(p))
            for action, p, before in written
        ],
    )


# --- The answer ----------------------------------------------------------------------------------


def _report(lines: Iterable[_Line], *, preview: bool, written: bool) -> ImportReport:
    """The lines' outcomes: what was done when `written`, else what would be done."""
    out = [
        ImportLine(
            line=line.number,
            outcome=line.outcome,
            premises_id=(line.target or line.created).id
            if (line.target or line.created) is not None
            else None,
            name=line.name,
            changes=line.changes,
            problems=line.problems,
        )
        for line in lines
    ]
    counts = {outcome: sum(1 for o in out if o.outcome is outcome) for outcome in ImportOutcome}
    return ImportReport(
        preview=preview,
        imported=counts[ImportOutcome.CREATED] + counts[ImportOutcome.UPDATED] if written else 0,
        created=counts[ImportOutcome.CREATED],
        updated=counts[ImportOutcome.UPDATED],
        unchanged=counts[ImportOutcome.UNCHANGED],
        refused=counts[ImportOutcome.REFUSED],
        lines=out,
        problems=sorted(
            (p for line in out for p in line.problems), key=lambda p: (p.line, p.field)
        ),
    )
