"""火灾事故 in the console, on the demo: the township station records a fire at a point of its
township (an electric bike charging in a stairwell), sees it as a draft in its register,
confirms and publishes it; the public list then shows it cut to the street and without the
names typed into it. Another township's station sees none of it."""

from __future__ import annotations

import json

from playwright.sync_api import expect
from sqlalchemy import select

from tests.console.test_console import bearer, sign_in
from tests.console.test_hazard_detail import choose, field

STATION = "station.cz1"  # township 450202901
OTHER_STATION = "station.cz2"
TOWNSHIP = "450202901"
ROWS = ".el-table__body tr.el-table__row"


def a_point_of(db, township: str) -> tuple[float, float]:
    """Where a demo premises of the township stands: inside the township's grids."""
    from grids.models import Area
    from grids.premises.models import Premises

    with db() as session:
        path = session.scalar(select(Area.path).where(Area.code == township))
        premises = session.scalars(
            select(Premises).where(Premises.area_path.startswith(path)).order_by(Premises.name)
        ).first()
        return round(premises.lng, 6), round(premises.lat, 6)


def test_a_station_records_confirms_and_publishes_a_fire(tab, api, demo, db, browser):
    page = tab.page
    lng, lat = a_point_of(db, TOWNSHIP)
    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="火灾事故").click()
    expect(page).to_have_url(f"{tab.base_url}/console/fire-incidents")
    station = bearer(api, STATION, demo[STATION])
    before = len(api.get("/api/v1/fire-incidents", headers=station).json())  # the demo's
    expect(page.locator("[data-test=incidents-total]")).to_have_text(f"共 {before} 起")

    page.locator("[data-test=incident-new]").click()
    dialog = page.locator("[data-test=incident-dialog]")
    expect(dialog).to_be_visible()
    field(page, "incident-occurred").fill("2026-11-20 21:15:00")
    field(page, "incident-occurred").press("Enter")
    field(dialog, "incident-lng").fill(str(lng))
    field(dialog, "incident-lat").fill(str(lat))
    field(dialog, "incident-address").fill("城中区演示路18号3单元楼道")
    choose(page, "incident-cause-choice", "电气火灾")
    choose(page, "incident-place-category", "住宅")
    field(dialog, "incident-injuries").fill("1")
    field(dialog, "incident-loss").fill("8600")
    field(dialog, "incident-unit").fill("演示社区微型消防站")
    field(dialog, "incident-responders").fill("赵队员、钱队员")
    field(dialog, "incident-summary").fill(
        "楼道内电动自行车充电起火，住户孙女士（13912345678）报警"
    )
    dialog.locator("[data-test=incident-submit]").click()
    expect(dialog).to_be_hidden()

    expect(page.locator("[data-test=incidents-total]")).to_have_text(f"共 {before + 1} 起")
    row = page.locator(ROWS).filter(has_text="城中区演示路18号")
    expect(row.locator("[data-test=incident-state]")).to_have_text("草稿")
    expect(row.locator("[data-test=incident-cause]")).to_have_text("电气火灾")
    expect(row).to_contain_text("2026-11-20 21:15")  # Beijing, as typed
    row.locator("[data-test=incident-confirm]").click()
    page.locator(".el-message-box").get_by_role("button", name="核实").click()
    expect(row.locator("[data-test=incident-state]")).to_have_text("已核实")
    row.locator("[data-test=incident-publish]").click()
    page.locator(".el-message-box").get_by_role("button", name="公开").click()
    expect(row.locator("[data-test=incident-state]")).to_have_text("已公开")
    expect(row.locator("[data-test=incident-edit]")).to_have_count(0)
    # A second fire, a draft recorded through the API, for the picture: both states side by side.
    draft = api.post(
        "/api/v1/fire-incidents",
        json={
            "occurred_at": "2026-12-02T07:40:00+08:00",
            "lng": lng,
            "lat": lat,
            "address": "城中区演示路22号门前垃圾桶",
            "cause": "smoking",
            "place_category": "outdoor",
            "direct_loss_yuan": 300,
            "responding_unit": "演示社区微型消防站",
        },
        headers=station,
    )
    assert draft.status_code == 201, draft.text
    page.locator("[data-test=incidents-search]").click()
    expect(page.locator("[data-test=incidents-total]")).to_have_text(f"共 {before + 2} 起")
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    page.evaluate("window.scrollTo(0, 0)")
    tab.screenshot("fire-incidents")

    public = api.get("/public/fire-incidents", params={"area": TOWNSHIP}).json()
    public = [p for p in public if p["premises"] == "某住宅"]  # not the demo's shop
    assert len(public) == 1
    assert public[0]["address"] == "城中区演示路"
    assert public[0]["direct_loss_yuan"] == 9_000
    text = json.dumps(public, ensure_ascii=False)
    for personal in ("孙女士", "13912345678", "赵队员", "18号"):
        assert personal not in text

    mine = api.get("/api/v1/fire-incidents", params={"cause": "electrical"}, headers=station)
    [typed] = [i for i in mine.json() if i["address"].startswith("城中区演示路18号")]
    assert typed["occurred_at"].startswith("2026-11-20T13:15")  # 21:15 in Beijing
    theirs = api.get(
        "/api/v1/fire-incidents", headers=bearer(api, OTHER_STATION, demo[OTHER_STATION])
    )
    assert theirs.json() == []
