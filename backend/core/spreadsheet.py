"""Spreadsheets people open in Excel or WPS: formula-safe CSV, and streamed xlsx exports.

Excel, WPS and LibreOffice run a cell that begins with `=`, `+`, `-` or `@` (and, after a tab or
a carriage return, also) as a formula: a premises called `=HYPERLINK(...)` would run in the
station chief's spreadsheet. Every CSV we write goes through `csv_text`, which prefixes such
cells with a single quote (OWASP's advice); the spreadsheet shows the text, and nothing runs.
What we read in (imports) is kept exactly as typed: the neutralising is for the export only.

An xlsx export (`write_xlsx`, `xlsx_response`) needs no quote: every text is written as a string
cell (backend.core.xlsx writes no formulas at all), so a description `=HYPERLINK(...)` reads
back as exactly that text. Each domain says what its export
holds as a list of `Column`s (header, getter, kind) in its own `exports.py`; this module knows
no domain. The rows come in batches from the database and go to the file as they come
(backend.core.xlsx: a few hundred rows in memory at a time), so a ledger of 100,000 rows
takes no more memory than one of 1,000; the finished file is streamed from disk.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, BinaryIO, Generic, TypeVar
from urllib.parse import quote

from starlette.responses import StreamingResponse

from backend.core.localtime import LOCAL_TIME
from backend.core.texts_zh import TERMS
from backend.core.xlsx import SheetColumn, SheetWriter, Style, number_cell, text_cell

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


# --- xlsx ---------------------------------------------------------------------------------------

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Row = TypeVar("Row")


class Kind(StrEnum):
    """How a column's values become cells."""

    TEXT = "text"  # a string cell, whatever it begins with
    CODE = "code"  # digits that are not a number (area codes, USCC, phones): text, kept as text
    NUMBER = "number"
    DATETIME = "datetime"  # an aware moment: a real Excel date-time in Beijing time
    DATE = "date"
    YES_NO = "yes_no"  # 是 / 否


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column of an export: its Chinese header, how to read a row's value, how to write it."""

    header: str
    value: Callable[[Row], Any]
    kind: Kind = Kind.TEXT
    width: float = 14


_STYLES: dict[Kind, Style] = {
    Kind.CODE: Style.TEXT,  # edited in Excel, it stays text (no 4.50202E+11)
    Kind.DATETIME: Style.DATETIME,
    Kind.DATE: Style.DATE,
}


def write_xlsx(
    path: str, sheet: str, columns: Sequence[Column[Row]], batches: Iterable[Iterable[Row]]
) -> int:
    """Write a workbook of one sheet: a bold header row (frozen, with filters), then a row per
    record, taken batch by batch; the number of records written."""
    with SheetWriter(
        path,
        sheet,
        [SheetColumn(c.header, c.width, _STYLES.get(c.kind, Style.PLAIN)) for c in columns],
    ) as out:
        cells = [
            (letter, column.value, _CELL[column.kind])
            for letter, column in zip(out.letters, columns, strict=True)
        ]
        for batch in batches:
            for record in batch:
                n = out.next_row
                row = []
                for letter, value_of, cell in cells:
                    value = value_of(record)
                    if value is not None and value != "":
                        row.append(cell(f"{letter}{n}", value))
                out.row("".join(row))
        return out.rows


_CELL: dict[Kind, Callable[[str, Any], str]] = {
    Kind.TEXT: lambda ref, v: text_cell(ref, str(v)),
    Kind.CODE: lambda ref, v: text_cell(ref, str(v), Style.TEXT),
    Kind.NUMBER: number_cell,
    Kind.DATETIME: lambda ref, v: number_cell(ref, _excel_time(v), Style.DATETIME),
    Kind.DATE: lambda ref, v: number_cell(ref, (v - _EXCEL_DAY_ZERO).days, Style.DATE),
    Kind.YES_NO: lambda ref, v: text_cell(ref, "是" if v else "否"),
}


def term(kind: str, value: object) -> str | None:
    """A code as people read it (`texts_zh.TERMS[kind]`), the code itself when the catalog does
    not know it (a newer code still reads as something)."""
    if value is None:
        return None
    code = str(value)
    return TERMS.get(kind, {}).get(code, code)


# Excel keeps a date-time as days since 1899-12-30 (the 1900 date system, its leap-year bug
# included, which only matters before March 1900), shown through a date format,
# computed here in one subtraction per cell.
_EXCEL_ZERO = datetime(1899, 12, 30)
_EXCEL_DAY_ZERO = _EXCEL_ZERO.date()
_DAY = timedelta(days=1)


def _excel_time(moment: datetime) -> float:
    """Excel has no time zones: a moment is written as the Beijing wall-clock time it was."""
    return (moment.astimezone(LOCAL_TIME).replace(tzinfo=None) - _EXCEL_ZERO) / _DAY


def content_disposition(filename: str, fallback: str) -> str:
    """`attachment` with the Chinese name in RFC 5987's `filename*` (what browsers use) and an
    ASCII `filename` for clients that do not read it (RFC 6266, section 4.3)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(
    title: str,
    fallback: str,
    day: date,
    columns: Sequence[Column[Row]],
    batches: Iterable[Iterable[Row]],
) -> StreamingResponse:
    """The export as a download, `<title>_<day>.xlsx` (e.g. 隐患台账_2026-12-05.xlsx). The
    workbook is written to a temporary file first (the database work ends before the first
    byte is sent, so no transaction stays open while a slow client reads), then streamed
    from disk. The file's name is removed as soon as it is open, so nothing is left behind
    even when the client goes away half-way (its space returns when the stream closes)."""
    handle, path = tempfile.mkstemp(prefix="firegrid-export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(path, title, columns, batches)
        stream = open(path, "rb")  # noqa: SIM115 - closed by _chunks when the stream ends
    finally:
        os.unlink(path)
    return StreamingResponse(
        _chunks(stream),
        media_type=XLSX_MEDIA_TYPE,
        headers={
            "Content-Disposition": content_disposition(
                f"{title}_{day.isoformat()}.xlsx", f"{fallback}_{day.isoformat()}.xlsx"
            ),
            "Content-Length": str(os.fstat(stream.fileno()).st_size),
            "Cache-Control": "no-store",
        },
    )


def _chunks(stream: BinaryIO, size: int = 256 * 1024) -> Iterator[bytes]:
    try:
        while chunk := stream.read(size):
            yield chunk
    finally:
        stream.close()
