"""Personal numbers typed into free text are masked when the text is published."""

from __future__ import annotations

import pytest

from backend.core.privacy import mask_free_text
from backend.core.spreadsheet import csv_text, safe_cell


@pytest.mark.parametrize(
    ("typed", "published"),
    [
        ("电话13812345678找老王", "电话138****5678找老王"),
        ("打 +86 138-1234-5678", "打 138****5678"),
        ("身份证450202199001011234", "身份证450***********1234"),
        ("身份证号45020219900101123X。", "身份证号450***********123X。"),
        ("老证450202900101123", "老证450********1123"),
        ("座机0772-2881234，北京(010)88881234", "座机0772-***1234，北京010-****1234"),
        ("转账到 6222 0212 3456 7890 123", "转账到 622************0123"),
        ("车牌桂B12345堵住消防通道", "车牌桂B12345堵住消防通道"),  # plates are not personal here
        ("2026-11-24 晚8点，幸福路12号，报96119和12345", None),  # dates, addresses, hotlines
        ("订单号A13812345678B", None),  # digits inside a code are not a phone
    ],
)
def test_numbers_that_identify_a_person_are_masked_and_nothing_else(typed, published):
    assert mask_free_text(typed) == (published or typed)


def test_nothing_to_mask_is_returned_as_it_was():
    assert mask_free_text(None) is None and mask_free_text("") == ""


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_is_exported_as_text(start):
    assert safe_cell(f'{start}HYPERLINK("http://evil")') == f'\'{start}HYPERLINK("http://evil")'
    assert f"'{start}cmd" in csv_text(["name"], [{"name": f"{start}cmd"}])
    assert safe_cell(-3) == -3 and safe_cell("王 = 李") == "王 = 李"
