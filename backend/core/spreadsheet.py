"""CSV that is safe to open in a spreadsheet.

Excel, WPS and LibreOffice run a cell that begins with `=`, `+`, `-` or `@` (and, after a tab or
a carriage return, also) as a formula: a premises called `=HYPERLINK(...)` would run in the
station chief's spreadsheet. Every CSV we write goes through `csv_text`, which prefixes such
cells with a single quote (OWASP's advice); the spreadsheet shows the text, and nothing runs.
What we read in (imports) is kept exactly as typed: the neutralising is for the export only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell's value as exported: text that a spreadsheet would run gets a leading `'`.
    Numbers stay numbers (a negative count is a number, not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(fields: Sequence[str], rows: Iterable[Mapping[str, Any]], *, bom: bool = True) -> str:
    """The rows as CSV with a header, each cell through `safe_cell`; with a BOM by default, so
    that Excel reads the Chinese names as UTF-8."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields))
    writer.writeheader()
    for row in rows:
        writer.writerow({field: safe_cell(row.get(field)) for field in fields})
    return ("\ufeff" if bom else "") + out.getvalue()
