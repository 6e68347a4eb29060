"""Reading back an xlsx export as Excel would: openpyxl, read-only, every cell with its type."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: list[str]
    rows: list[dict[str, Any]]  # header -> value
    types: list[dict[str, str]]  # header -> openpyxl's data_type ("s" text, "n", "d", "f")
    formats: list[dict[str, str]]  # header -> number format
    filename: str  # the Chinese name from Content-Disposition's filename*

    def column(self, header: str) -> list[Any]:
        return [row[header] for row in self.rows]


def read_export(response) -> Sheet:
    """The one sheet of an exported workbook, after checking it came as a download."""
    from openpyxl import load_workbook

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    (sheet,) = book.worksheets
    lines = list(sheet.iter_rows())
    headers = [c.value for c in lines[0]]
    rows, types, formats = [], [], []
    for line in lines[1:]:
        cells = dict(zip(headers, line, strict=False))
        rows.append({h: (cells[h].value if h in cells else None) for h in headers})
        types.append({h: cells[h].data_type for h in headers if h in cells})
        formats.append({h: cells[h].number_format for h in headers if h in cells})
    return Sheet(sheet.title, headers, rows, types, formats, unquote(encoded))
