"""Reading a sheet an office sends: CSV (UTF-8 or GB18030) or xlsx, English or Chinese headers;
the import's report shapes and the template an office fills in. Shared by every import (the
premises registry, grids.premises.importing; the roll of people, grids.people_import).

Offices keep their lists in Excel. Chinese Windows Excel saves "CSV" in GB18030 (GBK, really,
which GB18030 contains), "CSV UTF-8" with a BOM, and workbooks as xlsx; all three arrive here.
The header may name a column by its field (`name`) or by the Chinese a form prints (场所名称),
and a cell may say an enumerated value the same two ways (`small_venue` or 九小场所, `true` or
是): each import describes its own with `Columns`. What comes out of `read_sheet` is the same
for every format: each line's non-empty cells, as text, keyed by the header as written, with
the line number a spreadsheet shows. Whether a value is valid is each importer's question.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel

from backend.core.errors import InvalidInput, Problem
from backend.core.i18n import chinese_or_english, in_chinese

MAX_ROWS = 20_000
MAX_COLUMNS = 64
# An xlsx is a zip: a small upload can unpack to gigabytes (a zip bomb). A real sheet of
# MAX_ROWS lines unpacks to a few dozen MB.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .et) format
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class Encoding(StrEnum):
    UTF8 = "utf-8"
    GB18030 = "gb18030"  # also GBK and GB2312 files: GB18030 contains both


class UnreadableText(Problem):
    status, slug, title = 415, "unreadable-text", "The file is not text we can read"


class UnreadableWorkbook(InvalidInput):
    slug, title = "unreadable-workbook", "The workbook cannot be read"


class WorkbookTooLarge(Problem):
    status, slug, title = 413, "workbook-too-large", "The workbook is too large"


class TooManyRows(InvalidInput):
    slug, title = "too-many-rows", "The sheet has too many rows"

    def __init__(self, detail: str = "", *, limit: int = MAX_ROWS) -> None:
        super().__init__(
            detail or f"the sheet has more than {limit} rows; split it into several files"
        )


@dataclass(frozen=True)
class Sheet:
    """The header as written and each line's non-empty cells, keyed by the header as written."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number: the header is line 1, cells)


def read_sheet(
    body: bytes,
    *,
    content_type: str = "",
    filename: str = "",
    encoding: Encoding | None = None,
    max_rows: int = MAX_ROWS,
) -> Sheet:
    """The sheet in `body`: an xlsx by its content (a zip), else CSV text. A client that says
    xlsx but sends something else hears that the workbook cannot be read. More than `max_rows`
    non-empty lines is `TooManyRows`."""
    if body.startswith(_OLE_MAGIC):
        raise UnreadableText(
            "this is an old .xls workbook; save it as .xlsx or as CSV and send it again"
        )
    media_type, _, params = content_type.partition(";")
    says_xlsx = media_type.strip().lower() == XLSX_TYPE or filename.endswith(".xlsx")
    if body.startswith(_ZIP_MAGIC) or says_xlsx:
        return _xlsx_sheet(body, max_rows)
    return _csv_sheet(decode_text(body, encoding or _charset(params)), max_rows)


def _charset(params: str) -> Encoding | None:
    """The encoding a `charset=` parameter names, when it is one of ours (GBK and GB2312 are
    read as GB18030, which contains both)."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return _CHARSETS.get(value.strip().strip('"').lower())
    return None


_CHARSETS = {
    "utf-8": Encoding.UTF8,
    "utf8": Encoding.UTF8,
    "gb18030": Encoding.GB18030,
    "gbk": Encoding.GB18030,
    "gb2312": Encoding.GB18030,
}


def decode_text(body: bytes, encoding: Encoding | None = None) -> str:
    """CSV bytes as text. A UTF-8 BOM decides; so does the caller's `encoding`; otherwise
    strict UTF-8 and, failing that, GB18030. Text that happens to be valid UTF-8 and GB18030
    both is near impossible for Chinese (GBK's byte pairs rarely form UTF-8 sequences), and
    plain ASCII reads the same either way."""
    if body.startswith(_UTF16_BOMS):
        raise UnreadableText(
            "this file is UTF-16 text; save it as CSV UTF-8 (or as .xlsx) and send it again"
        )
    if body.startswith(codecs.BOM_UTF8):
        encoding, body = Encoding.UTF8, body[len(codecs.BOM_UTF8) :]
    tries = [encoding] if encoding else [Encoding.UTF8, Encoding.GB18030]
    for candidate in tries:
        try:
            return body.decode(candidate.value)
        except UnicodeDecodeError:
            continue
    raise UnreadableText(
        f"the file is not {encoding.value} text"
        if encoding
        else "the file is neither UTF-8 nor GB18030 (GBK) text; save it as CSV UTF-8 or .xlsx"
    )


def _csv_sheet(text: str, max_rows: int) -> Sheet:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return Sheet([], [])
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1  # where the next record starts; a quoted cell may span lines
    for record in reader:
        cells = _cells(header, record)
        if cells:
            if len(rows) == max_rows:
                raise TooManyRows(limit=max_rows)
            rows.append((line, cells))
        line = reader.line_num + 1
    return Sheet(_header(header), rows)


def _xlsx_sheet(body: bytes, max_rows: int) -> Sheet:
    """The first worksheet. openpyxl in read-only mode streams the rows instead of building
    the whole workbook in memory; the zip's declared sizes are checked before it unpacks
    anything."""
    import openpyxl  # only an xlsx import pays for loading it

    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableWorkbook(
            "the file is not an xlsx workbook (not a zip archive)", field="file"
        ) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookTooLarge(f"the workbook unpacks to more than {MAX_UNPACKED_BYTES} bytes")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
        try:
            return _worksheet_sheet(workbook.worksheets[0].iter_rows(values_only=True), max_rows)
        finally:
            workbook.close()
    except (TooManyRows, UnreadableWorkbook):
        raise
    # A damaged workbook fails inside openpyxl, zipfile or the XML parser with whatever
    # each raises (KeyError for a missing part, ParseError, ValueError, IndexError for no
    # sheet, ...): every one of them means the same to the office, which sends a new file.
    except Exception as exc:
        raise UnreadableWorkbook(
            "the xlsx workbook is damaged or not a workbook; save it again from Excel or WPS",
            field="file",
        ) from exc


def _worksheet_sheet(records: Iterator[tuple[Any, ...]], max_rows: int) -> Sheet:
    header_record = next(records, None)
    if header_record is None:
        return Sheet([], [])
    header = [_text(value) for value in header_record[:MAX_COLUMNS]]
    while header and not header[-1]:
        header.pop()
    rows: list[tuple[int, dict[str, str]]] = []
    for line, record in enumerate(records, start=2):
        if line > 2 * max_rows:  # blank lines included: formatted empty rows cost time too
            raise TooManyRows(
                f"the sheet runs past line {2 * max_rows}; delete the empty rows at its end"
            )
        cells = _cells(header, [_text(value) for value in record[: len(header)]])
        if cells:
            if len(rows) == max_rows:
                raise TooManyRows(limit=max_rows)
            rows.append((line, cells))
    return Sheet(_header(header), rows)


def _header(names: list[str]) -> list[str]:
    return [name.strip() for name in names[:MAX_COLUMNS]]


def _cells(header: list[str], record: Iterable[str]) -> dict[str, str]:
    """The non-empty cells of a line by their column's name; cells past the header and under
    an unnamed column are left out, as a spreadsheet's stray notes are."""
    out = {}
    for name, value in zip(header, record, strict=False):
        name, value = name.strip(), value.strip()
        if name and value:
            out[name] = value
    return out


def _text(value: Any) -> str:
    """A cell as text the way its owner sees it: 24.35 as 24.35, 1 as 1 (not 1.0), TRUE as
    true; a date as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# --- What the columns of one kind of sheet are ---------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """The columns an import knows: each field with the Chinese a form prints over it (in the
    order the template shows them), the ones a sheet must have, and enumerated values as
    people write them (`{"role": {"网格员": "grid_worker"}}`)."""

    chinese: Mapping[str, str]
    required: Sequence[str]
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    order: Sequence[str] = ()  # how a header problem lists the known columns; default `chinese`

    def __post_init__(self) -> None:
        by_chinese = {chinese: name for name, chinese in self.chinese.items()}
        object.__setattr__(self, "_by_chinese", by_chinese)

    def field_of(self, column: str) -> str | None:
        """The field a column names, in English or Chinese; None if it names none."""
        if column in self.chinese:
            return column
        return self._by_chinese.get(column)  # type: ignore[attr-defined]

    def value_of(self, field_name: str, text: str) -> str:
        """A cell's value as the field's code when the cell says it in Chinese (or in another
        case, as WGS84 for wgs84); otherwise as written."""
        known = self.values.get(field_name, {})
        found = known.get(text) or known.get(text.upper())
        return str(found) if found is not None else text

    def header_problem(self, header: list[str]) -> str | None:
        """What is wrong with a header row: empty, unknown columns, missing or repeated ones."""
        if not header:
            return "the file is empty"
        named = [self.field_of(column) for column in header]
        unknown = [column for column, name in zip(header, named, strict=True) if name is None]
        twice = sorted({n for n in named if n is not None and named.count(n) > 1})
        missing = [c for c in self.required if c not in named]
        parts = [
            f"unknown columns: {', '.join(unknown)}" if unknown else "",
            f"missing columns: {', '.join(missing)}" if missing else "",
            f"columns given twice: {', '.join(twice)}" if twice else "",
        ]
        if not any(parts):
            return None
        known = ", ".join(f"{c}/{self.chinese[c]}" for c in (self.order or self.chinese))
        return "; ".join(p for p in parts if p) + f" (columns: {known})"

    def fields(self, cells: Mapping[str, str]) -> dict[str, str]:
        """A line's cells by field, enumerated values as their codes (unknown columns left
        out: the header's problem says so)."""
        out: dict[str, str] = {}
        for column, text in cells.items():
            name = self.field_of(column)
            if name is not None:
                out[name] = self.value_of(name, text)
        return out


# --- The report of an import ----------------------------------------------------------------------


class ImportOutcome(StrEnum):
    """What an import does with a line of the sheet."""

    CREATED = "created"
    UPDATED = "updated"  # a field differs from the record the line matched
    UNCHANGED = "unchanged"  # it matched a record that already says all the line says
    REFUSED = "refused"


class ImportProblem(BaseModel):
    line: int
    field: str
    message: str


def header_refusal(message: str) -> ImportProblem:
    """The header's problem: line 1, field `header`."""
    return ImportProblem(line=1, field="header", message=message)


Report = TypeVar("Report", bound=BaseModel)


def in_reader_language(problems: Iterable[ImportProblem]) -> list[ImportProblem]:
    """Each problem's message in the reader's language (a problem document's own `problems`
    are translated where every problem is, at the edge)."""
    if not in_chinese():
        return list(problems)
    return [
        p.model_copy(update={"message": chinese_or_english(p.message, "import-refused")})
        for p in problems
    ]


def report_in_reader_language(report: Report) -> Report:
    """An import's report (its `lines`, each with its `problems`, and all of them in
    `problems`) with every reason in the reader's language."""
    lines = [
        line.model_copy(update={"problems": in_reader_language(line.problems)})
        for line in report.lines
    ]
    return report.model_copy(
        update={"lines": lines, "problems": [p for line in lines for p in line.problems]}
    )


# The request body of an import, for the OpenAPI document.
SHEET_BODY = {
    "requestBody": {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
        "required": True,
    }
}


# --- The template an office fills in ------------------------------------------------------------


def template_xlsx(
    title: str,
    columns: Columns,
    shown: Sequence[str],
    example: Mapping[str, Any],
    notes: Sequence[tuple[str, str]],
    *,
    as_text: Iterable[str] = (),
    wide: Iterable[str] = (),
) -> bytes:
    """A workbook with the Chinese headers of the `shown` fields, one example line and a sheet
    of notes 填写说明. The `as_text` columns are formatted as text, so that Excel keeps an
    all-digit code or phone whole (as a number it would keep 15 digits of 18)."""
    import openpyxl
    from openpyxl.styles import Font

    as_text, wide = set(as_text), set(wide)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append([columns.chinese[c] for c in shown])
    sheet.append([example.get(c, "") for c in shown])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(shown, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 22 if column in wide else 12
        if column in as_text:
            for row in range(2, 1001):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    sheet_notes = workbook.create_sheet("填写说明")
    sheet_notes.append(["列", "说明"])
    for row in notes:
        sheet_notes.append(list(row))
    sheet_notes.column_dimensions["A"].width = 18
    sheet_notes.column_dimensions["B"].width = 90
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
