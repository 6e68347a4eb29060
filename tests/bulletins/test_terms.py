"""A bulletin prints every code it counts in Chinese: a new hazard category, source, premises
type or closing state needs its words in bulletins/terms.py, or the chart would show the code
(a pie of 隐患来源 once read "monitoring")."""

from __future__ import annotations

import pytest

from bulletins import terms
from grids.premises.enums import PremisesType
from hazards.enums import CLOSED_STATES, HazardCategory, HazardSource


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        (terms.CATEGORIES, [c.value for c in HazardCategory]),
        (terms.SOURCES, [s.value for s in HazardSource]),
        (terms.PREMISES_TYPES, [t.value for t in PremisesType]),
    ],
    ids=["categories", "sources", "premises_types"],
)
def test_every_code_a_bulletin_counts_has_its_chinese_words(table, codes):
    assert [code for code in codes if code not in table] == []
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in table[code]) for code in codes)


def test_every_way_a_hazard_closes_has_its_chinese_words():
    assert {str(state) for state in CLOSED_STATES} == set(terms.CLOSED_STATES)
