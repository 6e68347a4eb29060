"""The hazard queue's area filter is picked by name from the tree of one's own area, opened one
level at a time: a station picks a village and sees only that village's hazards."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.console.test_console import bearer, only_firegrid, sign_in

STATION = "station.cz1"  # township 450202901 (backend/demo.py)
TOWNSHIP = "450202901"
TOWNSHIP_NAME = "城中演示街道一"
ROWS = ".el-table__body tr.el-table__row"


def pick_area(page, test: str, *names: str) -> None:
    """Open the area picker `test`, open each area named but the last, pick the last."""
    page.locator(f"[data-test={test}]").click()
    tree = page.locator(".el-tree-select__popper:visible")
    *path, last = names
    for name in path:
        node = tree.locator(".el-tree-node__content").filter(has=page.get_by_text(name, exact=True))
        node.locator(".el-tree-node__expand-icon").click()
    tree.get_by_text(last, exact=True).click()


def test_a_station_picks_a_village_by_name_and_sees_only_its_hazards(tab, api, demo):
    station = bearer(api, STATION, demo[STATION])
    villages = api.get("/api/v1/areas", params={"parent": TOWNSHIP}, headers=station).json()
    counts = {
        v["code"]: int(
            api.get(
                "/api/v1/hazards", params={"area": v["code"], "limit": 1}, headers=station
            ).headers["x-total-count"]
        )
        for v in villages
    }
    village = next(v for v in villages if counts[v["code"]])
    assert sum(counts.values()) > counts[village["code"]], "the other village has hazards too"
    expected = api.get(
        "/api/v1/hazards", params={"area": village["code"], "limit": 20}, headers=station
    ).json()

    page = tab.page
    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    expect(page.locator(ROWS).first).to_be_visible()

    # The tree starts at the station's own township; nothing beside it is offered.
    page.locator("[data-test=filter-area]").click()
    tree = page.locator(".el-tree-select__popper:visible")
    expect(tree.locator(".el-tree-node")).to_have_count(1)
    expect(tree.locator(".el-tree-node__content")).to_have_text(f"{TOWNSHIP_NAME}乡镇（街道）")
    page.keyboard.press("Escape")

    pick_area(page, "filter-area", TOWNSHIP_NAME, village["name"])
    expect(page.locator("[data-test=filter-area]")).to_contain_text(village["name"])
    with page.expect_response(lambda r: "/api/v1/hazards?" in r.url) as got:
        page.locator("[data-test=filter-apply]").click()
    assert parse_qs(urlsplit(got.value.url).query)["area"] == [village["code"]]

    expect(page.locator("[data-test=hazard-total]")).to_have_text(
        f"共 {counts[village['code']]} 条"
    )
    rows = page.locator(ROWS)
    expect(rows).to_have_count(len(expected))
    shown = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]
    assert [row[1].splitlines()[-1] for row in shown] == [h["description"] for h in expected]
    assert [row[7] for row in shown] == [h["area_name"] for h in expected]
    assert all(h["area_code"].startswith(village["code"]) for h in expected)

    # The tree was asked for one level at a time, never whole.
    asked = [
        parse_qs(urlsplit(url).query)
        for url in tab.network_requests()
        if urlsplit(url).path == "/api/v1/areas"
    ]
    assert asked and all("top" in q or "parent" in q for q in asked)
    assert {q["parent"][0] for q in asked if "parent" in q} == {TOWNSHIP}

    # The tree open at the township's villages, as a station sees it.
    page.locator("[data-test=filter-area]").click()
    expect(tree.get_by_text(village["name"], exact=True)).to_be_visible()
    popper = page.locator(".el-popper.el-tree-select__popper:visible")
    expect(popper).not_to_have_class(re.compile("enter-active"))  # opened, not fading in
    tab.screenshot("hazards-area-picker")
    page.keyboard.press("Escape")

    # 重置 forgets the area: the whole township again.
    with page.expect_response(lambda r: "/api/v1/hazards?" in r.url) as got:
        page.get_by_role("button", name="重置").click()
    assert "area" not in parse_qs(urlsplit(got.value.url).query)
    only_firegrid(tab)
