"""What is wrong with a push, gathered so that one 422 names every bad field of every record:
a phone (and the worker holding it) learns in one answer what it must fix or drop. The push
goes on past a bad record only to find the others; nothing is kept when any is found."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput


def invalid(errors: list[dict[str, Any]]) -> InvalidInput:
    """One record's errors ({field, message}) as one refusal; `Problems` names the record."""
    return InvalidInput("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


class Problems:
    """Every bad field of every record in one push, each named with its table, kind, position
    and id next to the field's path (`changes.<table>.<kind>[i].<field>`)."""

    def __init__(self, session: Session, changes: dict[str, Any], tables: tuple[str, ...]) -> None:
        self.session = session
        self.errors: list[dict[str, Any]] = []
        self._ids = {  # each record's path, to name its id next to the field
            f"changes.{name}.{kind}[{index}]": raw.get("id")
            for name in tables
            for kind in ("created", "updated")
            for index, raw in enumerate((changes.get(name) or {}).get(kind) or [])
        }
        for name in tables:
            for index, record_id in enumerate((changes.get(name) or {}).get("deleted") or []):
                self._ids[f"changes.{name}.deleted[{index}]"] = record_id

    def check(self, where: str, step, *args, **kwargs):
        """Run one record's step in a savepoint; an invalid input is noted (and None returned)
        instead of ending the push, and what the step had begun to write is undone, so the
        next record meets a clean session. Conflicts (409) and failures end the push at once."""
        try:
            with self.session.begin_nested():
                return step(*args, **kwargs)
        except InvalidInput as exc:
            self.note(where, exc)
            return None

    def parse(self, where: str, step, *args):
        """`check` for a step that reads a record and writes nothing (no savepoint needed)."""
        try:
            return step(*args)
        except InvalidInput as exc:
            self.note(where, exc)
            return None

    def note(self, where: str, exc: InvalidInput) -> None:
        found = exc.extensions.get("errors") or [{"field": where, "message": exc.detail}]
        for error in found:
            name = str(error.get("field") or "")
            path = name if name.startswith("changes.") else f"{where}.{name}" if name else where
            record = path.partition("]")[0] + "]"
            self.errors.append(
                {
                    **_record_of(path),
                    "id": self._ids.get(record),
                    "field": path,
                    "message": error["message"],
                }
            )

    def raise_any(self) -> None:
        if self.errors:
            shown = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors[:5])
            more = f" (and {len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
            raise InvalidInput(
                f"{len(self.errors)} field(s) in this push are not valid, nothing was stored: "
                f"{shown}{more}",
                errors=self.errors,
            )


def _record_of(path: str) -> dict[str, Any]:
    """The table and the record's position named by a path `changes.<table>.<kind>[i]...`."""
    parts = path.split(".")
    if len(parts) < 3 or parts[0] != "changes" or "[" not in parts[2]:
        return {"table": parts[1] if len(parts) > 1 else None}
    kind, _, index = parts[2].partition("[")
    return {"table": parts[1], "kind": kind, "index": int(index.rstrip("]") or 0)}
