"""The streamed workbook writer: what any text becomes in a cell, and a file every reader opens."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from backend.core.spreadsheet import Column, Kind, write_xlsx
from backend.core.xlsx import MAX_TEXT, column_letters

HOSTILE_TEXTS = [
    '=HYPERLINK("http://example.com","点我")',
    "+1",
    "-2",
    "@SUM(A1)",
    "  前后有空格  ",
    "<b>&amp;</b> \"'",
    "控制字符\x01\x07\x1f在中间",
    "看似转义 _x0041_ 的文字",
    "换行\n和\t制表",
    "😀 表情",
]


def test_any_text_reads_back_as_written_and_nothing_is_a_formula(tmp_path):
    path = str(tmp_path / "texts.xlsx")
    columns = [Column("文本", lambda text: text), Column("编码", lambda text: "0450", Kind.CODE)]

    assert write_xlsx(path, "隐患台账", columns, [HOSTILE_TEXTS]) == len(HOSTILE_TEXTS)

    sheet = load_workbook(path).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # Excel reads `_xHHHH_` in a cell's text as that character: what Excel shows is the text.
    assert [unescape(cell.value) for cell in cells] == HOSTILE_TEXTS
    assert {cell.data_type for cell in cells} == {"s"}
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == ["0450"] * len(HOSTILE_TEXTS)


def test_a_workbook_has_a_frozen_filtered_header_typed_cells_and_well_formed_parts(tmp_path):
    path = str(tmp_path / "ledger.xlsx")
    moment = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)  # 09:30 in Beijing
    columns = [
        Column("上报时间", lambda r: r[0], Kind.DATETIME, 17),
        Column("日期", lambda r: r[1], Kind.DATE),
        Column("次数", lambda r: r[2], Kind.NUMBER),
        Column("是否逾期", lambda r: r[3], Kind.YES_NO),
        Column("备注", lambda r: r[4]),
    ]
    rows = [(moment, date(2026, 12, 1), 3, True, "有"), (None, None, -1.5, False, None)]

    write_xlsx(path, "O'Brien 的表", columns, [rows[:1], rows[1:]])

    book = load_workbook(path)
    sheet = book.active
    assert sheet.title == "O'Brien 的表"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E3"
    assert [c.value for c in sheet[1]] == ["上报时间", "日期", "次数", "是否逾期", "备注"]
    assert all(c.font.b for c in sheet[1])
    assert [c.value for c in sheet[2]] == [
        datetime(2026, 12, 5, 9, 30),
        datetime(2026, 12, 1),
        3,
        "是",
        "有",
    ]
    assert sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert [c.value for c in sheet[3]] == [None, None, -1.5, "否", None]
    assert sheet.column_dimensions["A"].width == 17

    with zipfile.ZipFile(path) as parts:
        assert parts.testzip() is None
        for name in parts.namelist():  # every part is well-formed XML
            ElementTree.fromstring(parts.read(name))
        workbook = parts.read("xl/workbook.xml").decode()
    assert "_xlnm._FilterDatabase" in workbook and "'O''Brien 的表'!$A$1:$E$3" in workbook


def test_text_beyond_what_excel_holds_is_cut_at_its_limit(tmp_path):
    path = str(tmp_path / "long.xlsx")
    write_xlsx(path, "长", [Column("描述", lambda text: text)], [["长" * (MAX_TEXT + 10)]])
    assert len(load_workbook(path).active["A2"].value) == MAX_TEXT


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA")]
)
def test_columns_are_lettered_as_excel_letters_them(index, letters):
    assert column_letters(index) == letters
