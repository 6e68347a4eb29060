"""双随机 in Chromium: the county brigade's certified officer adds an inspection item, makes a
plan for the county, draws it with a public value, sees the seed and how anyone checks it,
verifies it, and opens the public page (no sign-in), where the same draw is published without
any person in it and verifies again."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.console.conftest import SCREENSHOTS, VIEWPORT
from tests.console.test_console import bearer, only_firegrid, sign_in

BRIGADE = "brigade.chengzhong"  # certified, county 450202 (backend/demo.py)
PUBLIC_VALUE = "2026年第350期 福彩3D 开奖号码 407"


def test_a_brigade_officer_draws_a_random_inspection_and_opens_the_public_page(tab, api, demo):
    page = tab.page
    brigade = bearer(api, BRIGADE, demo[BRIGADE])
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()

    tab.goto("/console/")
    sign_in(tab, BRIGADE, demo[BRIGADE])
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="双随机").click()
    expect(page).to_have_url(f"{tab.base_url}/console/inspections")

    # 一单: an item with its legal basis.
    page.get_by_role("tab", name="检查事项").click()
    page.locator("[data-test=item-code]").fill("exits")
    page.locator("[data-test=item-title]").fill("疏散通道、安全出口")
    page.locator("[data-test=item-basis]").fill("《中华人民共和国消防法》第二十八条")
    page.locator("[data-test=item-add]").click()
    expect(page.locator("[data-test=items-table]")).to_contain_text("疏散通道、安全出口")

    # A plan for the county: every unit drawn, to be sure some are.
    page.get_by_role("tab", name="抽查计划").click()
    page.locator("[data-test=plan-create]").click()
    dialog = page.locator("[data-test=plan-dialog]")
    dialog.locator("[data-test=plan-title]").fill("城中区消防安全双随机抽查")
    dates = dialog.locator("input.el-range-input")
    dates.first.fill(today.isoformat())
    dates.nth(1).fill(f"{today.year}-12-31")
    dates.nth(1).press("Enter")
    for rate in dialog.locator(".el-input-number input").all():
        rate.fill("100")
        rate.press("Tab")
    dialog.locator("[data-test=plan-save]").click()
    row = page.locator(
        "[data-test=plans-table] .el-table__row", has_text="城中区消防安全双随机抽查"
    )
    expect(row).to_contain_text("未抽取")

    # The draw, with a value nobody in the brigade controls.
    row.locator("[data-test=plan-draw]").click()
    page.locator("[data-test=draw-public-value]").fill(PUBLIC_VALUE)
    page.locator("[data-test=draw-confirm]").click()
    drawer = page.locator("[data-test=draw-drawer]")
    expect(drawer.locator("[data-test=draw-facts]")).to_contain_text(PUBLIC_VALUE)
    [plan] = [
        p
        for p in api.get("/api/v1/inspections/plans", headers=brigade).json()
        if p["title"] == "城中区消防安全双随机抽查"
    ]
    seed = plan["draw"]["seed"]
    assert plan["drawn"] > 0
    expect(drawer.locator("[data-test=draw-facts]")).to_contain_text(seed)
    expect(drawer).to_contain_text("任何人都可以验证")
    rows = api.get(f"/api/v1/inspections/draws/{plan['draw']['id']}", headers=brigade).json()
    table = drawer.locator("[data-test=draw-rows] .el-table__row")
    expect(table).to_have_count(len(rows))
    expect(table.first).to_contain_text(rows[0]["premises_name"])
    expect(table.first).to_contain_text(rows[0]["inspector_names"][0])
    drawer.locator("[data-test=draw-verify]").click()
    expect(drawer.locator("[data-test=draw-verdict]")).to_contain_text("验证通过")
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    tab.screenshot("inspections-draw")

    # The officer records a result where they are one of the two inspectors, and only there.
    me = api.get("/api/v1/me", headers=brigade).json()["id"]
    mine = [r for r in rows if me in r["inspector_ids"]]
    assert mine and all(r["may_record"] for r in mine)
    assert not any(r["may_record"] for r in rows if me not in r["inspector_ids"])
    expect(drawer.locator("[data-test=record-result]")).to_have_count(len(mine))
    target = table.filter(has_text=mine[0]["premises_name"]).first
    target.locator("[data-test=record-result]").click()
    result = page.locator("[data-test=result-dialog]")
    result.get_by_text("不合格", exact=True).click()
    result.locator("[data-test=result-save]").click()  # no hazard: refused, in Chinese
    expect(page.locator(".el-message--error")).to_contain_text("至少")
    result.locator(".el-input-number input").fill("2")
    result.locator(".el-input-number input").press("Tab")
    result.locator("[data-test=result-save]").click()
    expect(target).to_contain_text("不合格")
    recorded = api.get(f"/api/v1/inspections/draws/{plan['draw']['id']}", headers=brigade).json()
    row_now = next(r for r in recorded if r["id"] == mine[0]["id"])
    assert (row_now["outcome"], row_now["hazards_found"]) == ("failed", 2)

    # 一公开: anyone, in a browser that never signed in, sees the same draw and can check it.
    stranger = tab.context.browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    public = stranger.new_page()
    asked: list[str] = []
    public.on("request", lambda request: asked.append(request.url))
    public.goto(f"{tab.base_url}/console/public/inspections")
    published = public.locator("[data-test=public-plan]", has_text="城中区消防安全双随机抽查")
    expect(published.locator("[data-test=public-seed]")).to_have_text(seed)
    expect(published.locator("[data-test=public-objects] .el-table__row")).to_have_count(len(rows))
    expect(published).to_contain_text(rows[0]["premises_name"])
    expect(
        published.locator(
            "[data-test=public-objects] .el-table__row", has_text=mine[0]["premises_name"]
        ).first
    ).to_contain_text("不合格")
    for name in rows[0]["inspector_names"]:
        expect(published).not_to_contain_text(name)  # no person is published
    published.locator("[data-test=public-verify]").click()
    expect(published.locator("[data-test=public-verdict]")).to_contain_text("验证通过")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    public.screenshot(path=SCREENSHOTS / "inspections-public.png", animations="disabled")
    stranger.close()
    assert asked and all(urlsplit(url).hostname == "127.0.0.1" for url in asked), asked
    only_firegrid(tab)


def test_an_organiser_records_a_unit_an_inspector_must_not_inspect(tab, api, demo):
    page = tab.page
    tab.goto("/console/")
    sign_in(tab, BRIGADE, demo[BRIGADE])
    page.locator(".el-menu-item", has_text="双随机").click()
    page.get_by_role("tab", name="执法人员名录").click()
    row = page.locator("[data-test=inspectors-table] .el-table__row").first
    before = int(row.locator("td").nth(3).inner_text().split()[0])
    row.locator("[data-test=inspector-conflicts]").click()

    dialog = page.locator("[data-test=conflicts-dialog]")
    expect(dialog).to_be_visible()
    dialog.locator("[data-test=conflict-premises] input").fill("记1号")
    option = page.locator(".el-select-dropdown__item:visible").first
    chosen = option.inner_text().split("（")[0]
    option.click()
    dialog.locator("[data-test=conflict-relation]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="配偶").click()
    dialog.locator("[data-test=conflict-note]").fill("配偶经营")
    dialog.locator("[data-test=conflict-save]").click()

    table = dialog.locator("[data-test=conflicts-table]")
    expect(table).to_contain_text(chosen)
    expect(table).to_contain_text("配偶")
    # A unit elsewhere, by its code; a wrong check digit is refused in Chinese.
    dialog.get_by_text("按统一社会信用代码").click()
    dialog.locator("[data-test=conflict-uscc]").fill("91450200MA5K000000")
    dialog.locator("[data-test=conflict-save]").click()
    expect(page.locator(".el-message--error")).to_contain_text("统一社会信用代码")
    page.screenshot(path=str(SCREENSHOTS / "inspector-conflicts.png"))
    dialog.get_by_role("button", name="关闭", exact=True).click()
    expect(row.locator("td").nth(3)).to_have_text(f"{before + 1} 家")
