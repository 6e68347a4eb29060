"""场所 in Chromium: a township station finds a unit by name, edits it and reads the change in its
history; sees a blacklisted unit's credit and files an objection, which the county brigade's
certified officer upholds; imports a CSV saved in GB18030 (preview, confirm, and unchanged the
second time)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.console.test_console import bearer, only_firegrid, sign_in

STATION = "station.cz1"  # certified, township 450202901 (backend/demo.py)
BRIGADE = "brigade.chengzhong"  # certified, county 450202


def open_premises(tab, username, password) -> None:
    page = tab.page
    tab.goto("/console/")
    sign_in(tab, username, password)
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="场所").click()
    expect(page).to_have_url(f"{tab.base_url}/console/premises")


def find(page, name):
    page.locator("[data-test=premises-q]").fill(name)
    page.locator("[data-test=premises-search]").click()
    row = page.locator("[data-test=premises-table] .el-table__row", has_text=name)
    expect(page.locator("[data-test=premises-table] .el-table__row")).to_have_count(1)
    return row


def test_a_station_finds_a_unit_edits_it_and_reads_the_change_in_its_history(tab, api, demo):
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    listed = api.get("/api/v1/premises", params={"limit": 5}, headers=station)
    assert int(listed.headers["X-Total-Count"]) > 5
    unit = listed.json()[3]

    open_premises(tab, STATION, demo[STATION])
    expect(page.locator(".el-pagination")).to_contain_text(
        f"共 {listed.headers['X-Total-Count']} 条"
    )
    tab.screenshot("premises-list")
    find(page, unit["name"]).locator("[data-test=premises-open]").click()
    drawer = page.locator("[data-test=premises-drawer]")
    expect(drawer.locator("[data-test=premises-facts]")).to_contain_text(unit["address"])

    drawer.locator("[data-test=premises-edit]").click()
    drawer.locator("[data-test=edit-address]").fill("演示路1号之二")
    drawer.locator("[data-test=edit-save]").click()
    expect(page.locator(".el-message--success")).to_contain_text("已保存")
    expect(drawer.locator("[data-test=premises-facts]")).to_contain_text("演示路1号之二")
    tab.screenshot("premises-drawer")

    # Someone else changes it meanwhile: a stale save is told, and the form shows theirs.
    drawer.locator("[data-test=premises-edit]").click()
    current = api.get(f"/api/v1/premises/{unit['id']}", headers=station).json()
    other = api.patch(
        f"/api/v1/premises/{unit['id']}",
        json={"version": current["version"], "contact_name": "新联系人"},
        headers=bearer(api, BRIGADE, demo[BRIGADE]),
    )
    assert other.status_code == 200, other.text
    drawer.locator("[data-test=edit-address]").fill("不会保存的地址")
    drawer.locator("[data-test=edit-save]").click()
    expect(page.locator(".el-message--warning")).to_contain_text("刚被他人修改")
    expect(drawer.locator("[data-test=premises-facts]")).to_contain_text("新联系人")
    expect(drawer.locator("[data-test=premises-facts]")).to_contain_text("演示路1号之二")

    drawer.get_by_role("tab", name="历史").click()
    steps = drawer.locator("[data-test=history-step]")
    expect(steps.first).to_contain_text("登记")
    changed = drawer.locator(".el-timeline-item", has_text="修改").first
    expect(changed).to_contain_text(f"地址：{unit['address']} → 演示路1号之二")
    expect(changed).to_contain_text("乡镇消防工作站 · 城中演示街道一 消防工作站")
    theirs = drawer.locator(".el-timeline-item", has_text="县级消防救援大队")
    expect(theirs).to_contain_text("联系人信息（个人信息不记入历史）")
    tab.screenshot("premises-history")
    only_firegrid(tab)


def test_a_blacklisted_units_objection_is_filed_by_the_station_and_upheld_by_the_brigade(
    tab, api, demo, browser
):
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    (unit,) = api.get(
        "/api/v1/premises", params={"credit_status": "blacklist"}, headers=station
    ).json()

    open_premises(tab, STATION, demo[STATION])
    page.get_by_role("tab", name="黑名单").click()
    expect(page).to_have_url(f"{tab.base_url}/console/premises?tab=blacklist")
    rows = page.locator("[data-test=premises-table] .el-table__row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(unit["name"])
    expect(rows.first.locator("[data-test=credit-tag]")).to_have_text("黑名单")
    tab.screenshot("premises-blacklist")

    rows.first.locator("[data-test=premises-open]").click()
    drawer = page.locator("[data-test=premises-drawer]")
    drawer.get_by_role("tab", name="信用").click()
    credit = drawer.locator("[data-test=premises-credit]")
    expect(credit.locator("[data-test=credit-status]")).to_have_text("黑名单")
    expect(credit.locator("[data-test=credit-reasons]")).to_have_text("拒不整改")
    record = credit.locator("[data-test=credit-records] .el-table__row", has_text="拒不整改")
    expect(record).to_contain_text("有效")
    expect(credit.locator("[data-test=credit-record]")).to_be_visible()  # certified
    tab.screenshot("premises-credit-blacklisted")
    record.locator("[data-test=credit-appeal]").click()
    dialog = page.locator("[data-test=credit-appeal-dialog]")
    dialog.locator("[data-test=appeal-statement]").fill("通道杂物系邻铺堆放，记录对象有误")
    dialog.locator("[data-test=appeal-confirm]").click()
    appeal = credit.locator("[data-test=credit-appeals] .el-table__row").first
    expect(appeal).to_contain_text("异议申诉")
    expect(appeal).to_contain_text("待决定")
    expect(appeal.locator("[data-test=appeal-decide]")).to_have_count(0)  # not the filer
    only_firegrid(tab)

    # The brigade's certified officer decides it.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        from tests.console.conftest import Page

        brigade_tab = Page(context, tab.base_url)
        brigade_page = brigade_tab.page
        open_premises(brigade_tab, BRIGADE, demo[BRIGADE])
        find(brigade_page, unit["name"]).locator("[data-test=premises-open]").click()
        drawer = brigade_page.locator("[data-test=premises-drawer]")
        drawer.get_by_role("tab", name="信用").click()
        credit = drawer.locator("[data-test=premises-credit]")
        appeal = credit.locator("[data-test=credit-appeals] .el-table__row").first
        appeal.locator("[data-test=appeal-decide]").click()
        decision = brigade_page.locator("[data-test=appeal-decision-dialog]")
        decision.locator("[data-test=decision-note]").fill("经核查，记录对象有误，予以撤销")
        brigade_tab.screenshot("premises-credit-decision")
        decision.locator("[data-test=decision-confirm]").click()
        expect(appeal).to_contain_text("已批准")
        expect(credit.locator("[data-test=credit-status]")).to_have_text("正常")
        expect(
            credit.locator("[data-test=credit-records] .el-table__row", has_text="拒不整改")
        ).to_contain_text("已撤销")
        brigade_tab.screenshot("premises-credit")
        drawer.get_by_role("tab", name="历史").click()
        expect(drawer.locator("[data-test=premises-history]")).to_contain_text("异议成立，记录撤销")
        only_firegrid(brigade_tab)
    finally:
        context.close()


def test_a_station_imports_a_gb18030_csv_after_its_preview(tab, api, demo, tmp_path):
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    (near,) = api.get("/api/v1/premises", params={"limit": 1}, headers=station).json()
    sheet = tmp_path / "场所.csv"
    sheet.write_bytes(
        (
            "场所名称,个体工商户,场所类型,风险等级,地址,经度,纬度,坐标系,外部编号\n"
            f"导入测试粮油店,是,small_venue,low,演示路99号,{near['lng']},{near['lat']},"
            f"{near['crs']},IMPORT-GB-1\n"
        ).encode("gb18030")
    )

    open_premises(tab, STATION, demo[STATION])
    page.locator("[data-test=premises-import]").click()
    dialog = page.locator("[data-test=premises-import-dialog]")
    expect(dialog.locator("[data-test=import-template]")).to_be_visible()
    dialog.locator("input[type=file]").set_input_files(str(sheet))
    lines = dialog.locator("[data-test=import-lines] .el-table__row")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("新建")
    expect(lines.first).to_contain_text("导入测试粮油店")
    expect(dialog.locator("[data-test=import-summary]")).to_contain_text("预览（尚未写入）")
    tab.screenshot("premises-import-preview")
    assert api.get("/api/v1/premises", params={"q": "导入测试"}, headers=station).json() == []

    dialog.locator("[data-test=import-confirm]").click()
    expect(page.locator(".el-message--success")).to_contain_text("新建 1 家")
    expect(dialog.locator("[data-test=import-summary]")).to_contain_text("已导入")
    (created,) = api.get("/api/v1/premises", params={"q": "导入测试"}, headers=station).json()
    assert (created["external_ref"], created["address"]) == ("IMPORT-GB-1", "演示路99号")

    # The same file again: nothing new.
    dialog.locator("[data-test=import-preview]").click()
    expect(lines.first).to_contain_text("无变化")
    expect(dialog.locator("[data-test=import-summary]")).to_contain_text("新建 0")
    only_firegrid(tab)
