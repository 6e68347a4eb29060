"""The risk score in the console, on the demo with its scores computed as the worker's nightly
pass computes them: a township station opens 风险评估 and reads its premises highest first,
opens one and reads why it scores what it does (the factors add up to the score); the map
colours its grids by their risk; another township's station sees none of it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.console.test_console import bearer, sign_in
from tests.console.test_map import MAP, open_map, settled

STATION = "station.cz1"  # township 450202901
OTHER_STATION = "station.cz2"  # township 450202902
TOWNSHIP, OTHER_TOWNSHIP = "450202901", "450202902"
ROWS = ".el-table__body tr.el-table__row"
# The map's fills for the score's levels (console/src/views/MapView.vue, RISK_STYLES).
FILLS = {
    "very_high": "rgba(245, 34, 45, 0.40)",
    "high": "rgba(250, 140, 22, 0.35)",
    "medium": "rgba(250, 219, 20, 0.30)",
    "low": "rgba(64, 150, 255, 0.20)",
}


@pytest.fixture(scope="module")
def scored(demo, engine) -> dict[str, str]:
    """The demo with every premises and grid scored, as the nightly pass leaves it."""
    from backend.core import audit
    from backend.core.db import session_scope
    from backend.core.settings import get_settings
    from risk import service

    with session_scope() as session:
        outcome = service.recompute(
            session, get_settings(), actor=audit.Actor.system(), trigger="test"
        )
    assert outcome.premises > 0
    return demo


def open_risk(tab, username: str, password: str) -> None:
    page = tab.page
    tab.goto("/console/")
    sign_in(tab, username, password)
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="风险评估").click()
    expect(page).to_have_url(f"{tab.base_url}/console/risk")


def test_a_station_reads_its_premises_by_risk_and_why_one_scores_what_it_does(tab, api, scored):
    page = tab.page
    station = bearer(api, STATION, scored[STATION])
    listed = api.get("/api/v1/risk/premises", params={"limit": 20}, headers=station).json()
    assert listed["total"] > 0
    assert all(row["area_code"].startswith(TOWNSHIP) for row in listed["items"])

    open_risk(tab, STATION, scored[STATION])
    rows = page.locator(f"[data-test=risk-table] {ROWS}")
    expect(rows).to_have_count(len(listed["items"]))
    # The total, and when scores were last recomputed (in Beijing time).
    expect(page.locator("[data-test=risk-total]")).to_have_text(
        re.compile(rf"^共 {listed['total']} 个场所，最近一次计算于 \d{{4}}-\d\d-\d\d \d\d:\d\d$")
    )
    # Highest first, as the API ranks them; the first row is the API's first.
    shown = [int(s) for s in page.locator("[data-test=risk-score]").all_inner_texts()]
    assert shown == [row["score"] for row in listed["items"]]
    assert shown == sorted(shown, reverse=True)
    first = listed["items"][0]
    expect(rows.first).to_contain_text(first["name"])
    expect(rows.first).to_contain_text(first["level_zh"])

    # Why is this unit red: its factors, their explanations, and a total equal to the score.
    rows.first.locator("[data-test=risk-why]").click()
    drawer = page.locator("[data-test=risk-drawer]")
    expect(drawer).to_be_visible()
    why = api.get(f"/api/v1/risk/premises/{first['premises_id']}", headers=station).json()
    assert sum(c["points"] for c in why["contributions"]) == why["score"] == first["score"]
    factors = drawer.locator(f"[data-test=risk-contributions] {ROWS}")
    expect(factors).to_have_count(len(why["contributions"]))
    for row, contribution in zip(factors.all(), why["contributions"], strict=True):
        expect(row).to_contain_text(contribution["explanation"])
        expect(row).to_contain_text(str(contribution["points"]))
    expect(drawer.locator(".el-table__footer")).to_contain_text(f"合计{why['score']}")
    expect(drawer.locator("[data-test=risk-summary]")).to_contain_text(f"共 {why['score']} 分")
    expect(drawer.locator("[data-test=risk-when]")).to_contain_text("最近一次计算于")
    tab.screenshot("risk")

    # A level filter asks the API for that level only.
    level = first["level"]
    page.keyboard.press("Escape")
    page.locator("[data-test=risk-level]").click()
    page.locator(".el-select-dropdown__item:visible", has_text=first["level_zh"]).first.click()
    page.locator("[data-test=risk-search]").click()
    same = api.get(
        "/api/v1/risk/premises", params={"limit": 20, "level": level}, headers=station
    ).json()
    expect(page.locator("[data-test=risk-total]")).to_contain_text(f"共 {same['total']} 个场所")
    expect(page.locator("[data-test=risk-level-tag]")).to_have_count(len(same["items"]))
    for tag in page.locator("[data-test=risk-level-tag]").all_inner_texts():
        assert tag == first["level_zh"]


def test_the_map_colours_grids_by_their_risk(tab, api, scored):
    page = tab.page
    station = bearer(api, STATION, scored[STATION])
    grids = api.get("/api/v1/risk/grids", headers=station).json()
    assert grids and all(g["area_code"].startswith(TOWNSHIP) for g in grids)

    open_map(tab, STATION, scored[STATION])
    settled(page)
    page.locator("[data-test=colour-by]").get_by_text("网格按风险").click()
    expect(page.locator("[data-test=legend]")).to_contain_text("按风险评估着色")
    expect(page.locator("[data-test=legend]")).to_contain_text("很高风险")
    drawn = page.locator(MAP).evaluate("el => el.featureIds('grids')")
    assert drawn
    for grid in grids:
        fill = page.locator(MAP).evaluate(f"el => el.gridFill({grid['area_code']!r})")
        if fill is not None:  # drawn in this view
            assert fill == FILLS[grid["level"]], grid
    tab.screenshot("map-risk")
    # Back to the hazards' colours.
    page.locator("[data-test=colour-by]").get_by_text("网格按隐患").click()
    expect(page.locator("[data-test=legend]")).to_contain_text("按隐患着色")


def test_another_township_sees_none_of_it(tab, api, scored):
    other = bearer(api, OTHER_STATION, scored[OTHER_STATION])
    listed = api.get("/api/v1/risk/premises", params={"limit": 500}, headers=other).json()
    assert listed["items"], "the demo gives the other township premises too"
    assert not any(row["area_code"].startswith(TOWNSHIP) for row in listed["items"])
    mine = bearer(api, STATION, scored[STATION])
    one_of_mine = api.get("/api/v1/risk/premises", params={"limit": 1}, headers=mine).json()
    answer = api.get(
        f"/api/v1/risk/premises/{one_of_mine['items'][0]['premises_id']}", headers=other
    )
    assert answer.status_code == 404

    open_risk(tab, OTHER_STATION, scored[OTHER_STATION])
    expect(tab.page.locator(f"[data-test=risk-table] {ROWS}").first).to_be_visible()
    for code in tab.page.locator(
        f"[data-test=risk-table] {ROWS} td:nth-child(5)"
    ).all_inner_texts():
        assert code.startswith(OTHER_TOWNSHIP)
