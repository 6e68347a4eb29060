"""A workbook of one sheet written as it streams: the Office Open XML (ECMA-376) parts that Excel,
WPS and LibreOffice need, and a sheet whose rows go straight into the zip as they come.

Why our own: the hazard ledger of a county is 100,000 rows of 18 columns, and issue 19 asks for
it in at most 10 s. XlsxWriter, even in its `constant_memory` mode, spends about 80 µs a row in
Python on this kind of machine (a cell is a method call, a cell reference computed, a string
escaped and written), which alone is 8 s of the 10. A row here is one f-string per cell and one
write; the XML is the same that XlsxWriter writes in that mode (inline strings, so nothing grows
with the number of rows), and tests read every export back with openpyxl.

What a cell can hold is the four kinds a ledger needs: text (always a string cell, so `=...`
stays text), a number, a number in a date format (the caller computes Excel's serial day), and
nothing. Text Excel cannot store (control characters, XML's forbidden code points) is written as
Excel writes it, `_xHHHH_`; text over Excel's 32,767 characters is cut there.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from xml.sax.saxutils import escape, quoteattr

MAX_TEXT = 32_767  # Excel's limit for a cell's text
MAX_ROWS = 1_048_576


class Style(IntEnum):
    """The cell formats of styles.xml below, by their index in cellXfs."""

    PLAIN = 0
    HEADER = 1  # bold on light grey, thin border
    TEXT = 2  # number format "@": edited in Excel, digits stay text
    DATETIME = 3  # yyyy-mm-dd hh:mm
    DATE = 4  # yyyy-mm-dd


@dataclass(frozen=True)
class SheetColumn:
    header: str
    width: float
    style: Style = Style.PLAIN


# Code points XML 1.0 forbids, and the "_x" that would otherwise be read as an escape.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def _excel_escape(match: re.Match[str]) -> str:
    return f"_x{ord(match.group()):04X}_"


def text_cell(ref: str, value: str, style: Style = Style.PLAIN) -> str:
    """A string cell. The text is escaped for XML and kept with its spaces."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    if _UNSAFE.search(value):
        value = _UNSAFE.sub(_excel_escape, value)
    styled = f' s="{style:d}"' if style else ""
    return f'<c r="{ref}"{styled} t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def number_cell(ref: str, value: float, style: Style = Style.PLAIN) -> str:
    styled = f' s="{style:d}"' if style else ""
    return f'<c r="{ref}"{styled}><v>{value!r}</v></c>'


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class SheetWriter:
    """Opened on a path with the sheet's name and columns; `row(cells)` appends a row of cell XML
    (from `text_cell` / `number_cell`, referencing `ref(col)` of the row `next_row`); `close()`
    finishes the sheet (autofilter over what was written) and the workbook. Use as a context
    manager: an error half-way still closes the zip (the file is then removed by the caller)."""

    def __init__(self, path: str, sheet: str, columns: Sequence[SheetColumn]) -> None:
        self.columns = columns
        self.letters = [column_letters(i) for i in range(len(columns))]
        self.sheet_name = sheet[:31]
        self.rows = 0  # data rows written
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._pending: list[str] = []
        self._write(self._sheet_head())
        header = "".join(
            text_cell(f"{letter}1", c.header, Style.HEADER)
            for letter, c in zip(self.letters, columns, strict=True)
        )
        self._write(f'<row r="1">{header}</row>')

    @property
    def next_row(self) -> int:
        """The 1-based number of the row `row()` will write next (row 1 is the header)."""
        return self.rows + 2

    def row(self, cells: str) -> None:
        if self.rows + 2 > MAX_ROWS:
            raise ValueError(f"a sheet holds at most {MAX_ROWS - 1} rows")
        self.rows += 1
        self._pending.append(f'<row r="{self.rows + 1}">{cells}</row>')
        if len(self._pending) >= 500:
            self._flush()

    def _write(self, text: str) -> None:
        self._sheet.write(text.encode())

    def _flush(self) -> None:
        if self._pending:
            self._write("".join(self._pending))
            self._pending.clear()

    def close(self) -> None:
        if self._zip.fp is None:
            return
        try:
            self._flush()
            last = f"{self.letters[-1]}{self.rows + 1}"
            self._write(f'</sheetData><autoFilter ref="A1:{last}"/>{_PAGE}</worksheet>')
            self._sheet.close()
            self._write_parts(last)
        finally:
            self._zip.close()

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sheet_head(self) -> str:
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"'
            + (f' style="{c.style:d}"' if c.style else "")
            + "/>"
            for i, c in enumerate(self.columns, start=1)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<sheetPr filterMode="0"/>'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            "</sheetView></sheetViews>"
            '<sheetFormatPr defaultRowHeight="15"/>'
            f"<cols>{widths}</cols><sheetData>"
        )

    def _write_parts(self, last: str) -> None:
        name = quoteattr(self.sheet_name)
        # The autofilter's range is named as Excel names it, or Excel repairs the file.
        sheet_ref = "'" + self.sheet_name.replace("'", "''") + "'"
        filter_range = escape(f"{sheet_ref}!$A$1:${self.letters[-1]}${self.rows + 1}")
        parts = {
            "[Content_Types].xml": _CONTENT_TYPES,
            "_rels/.rels": _ROOT_RELS,
            "docProps/app.xml": _APP,
            "docProps/core.xml": _CORE,
            "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
            "xl/styles.xml": _STYLES,
            "xl/workbook.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
                '<bookViews><workbookView activeTab="0"/></bookViews>'
                f'<sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets>'
                '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" '
                f'hidden="1">{filter_range}</definedName></definedNames>'
                "</workbook>"
            ),
        }
        for part, text in parts.items():
            self._zip.writestr(part, text)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_PAGE = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _XML + f'<Relationships xmlns="{_PKG_REL}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    _XML + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_APP = (
    _XML + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties"><Application>firegrid</Application></Properties>'
)
_CORE = (
    _XML + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
    'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    "<dc:creator>firegrid</dc:creator></cp:coreProperties>"
)
# cellXfs in the order of Style; number formats 49 ("@") and 164/165 (our date formats).
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFF2F2F2"/>'
    '<bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/>'
    '</right><top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/>'
    "</bottom><diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" '
    'applyFill="1" applyBorder="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
