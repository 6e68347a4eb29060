"""人员 in Chromium: a station sees the people of its township by name, creates a grid worker in
a grid picked by name (the temporary password is shown once and must be changed at the first
sign-in), resets a grid leader's password and closes the new worker's account; it offers no
button on itself. The brigade sees the station among its people and may reset it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.console.test_area_picker import pick_area
from tests.console.test_console import (
    STATION,
    STATION_NAME,
    TOWNSHIP,
    bearer,
    only_firegrid,
    sign_in,
)

ROWS = "[data-test=people-table] .el-table__body tr.el-table__row"
LEADER = "leader.cz1-1"


def open_people(tab, username: str, password: str) -> None:
    page = tab.page
    tab.goto("/console/")
    sign_in(tab, username, password)
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="人员").click()
    expect(page).to_have_url(f"{tab.base_url}/console/people")


def test_a_station_creates_resets_and_closes_accounts_of_its_township(tab, api, demo):
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    people = api.get("/api/v1/users", params={"limit": 20}, headers=station)
    total = int(people.headers["x-total-count"])
    village = api.get("/api/v1/areas", params={"parent": TOWNSHIP}, headers=station).json()[0]
    grid = api.get("/api/v1/areas", params={"parent": village["code"]}, headers=station).json()[0]

    open_people(tab, STATION, demo[STATION])
    expect(page.locator(ROWS)).to_have_count(min(total, 20))
    expect(page.locator(".el-pagination__total")).to_contain_text(str(total))
    mine = page.locator(ROWS, has_text=STATION_NAME)
    expect(mine).to_contain_text("乡镇消防工作站")
    expect(mine.locator("[data-test=person-reset]")).to_have_count(0)  # not oneself
    tab.screenshot("people")

    # A new grid worker in a grid picked by name; the temporary password is shown once.
    page.locator("[data-test=person-create]").click()
    dialog = page.locator("[data-test=person-create-dialog]")
    expect(dialog.locator("[data-test=create-role]")).to_be_visible()
    page.locator("[data-test=create-role]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="网格员").click()
    pick_area(page, "create-area", "城中演示街道一", village["name"], grid["name"])
    dialog.locator("[data-test=create-username]").fill("worker.new1")
    dialog.locator("[data-test=create-name]").fill("新来的网格员")
    dialog.locator("[data-test=create-confirm]").click()
    shown = page.locator("[data-test=temporary-password]")
    expect(shown).to_have_text(re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$"))
    temporary = shown.inner_text()
    tab.screenshot("people-temporary-password")
    page.get_by_role("button", name="我已记下").click()
    first = api.post("/api/v1/auth/token", data={"username": "worker.new1", "password": temporary})
    assert first.status_code == 200 and first.json()["password_change_required"] is True
    created = next(
        p
        for p in api.get("/api/v1/users", params={"q": "worker.new1"}, headers=station).json()
        if p["username"] == "worker.new1"
    )
    assert created["area_code"] == grid["code"] and created["display_name"] == "新来的网格员"

    # The grid leader's password is reset: their old one stops working.
    page.locator("[data-test=people-q]").fill(LEADER)
    page.locator("[data-test=people-search]").click()
    expect(page.locator(ROWS)).to_have_count(1)
    page.locator(ROWS).locator("[data-test=person-reset]").click()
    page.get_by_role("dialog", name="重置密码").get_by_role("button", name="重置").click()
    expect(page.locator("[data-test=temporary-password]")).to_be_visible()
    page.get_by_role("button", name="我已记下").click()
    old = api.post("/api/v1/auth/token", data={"username": LEADER, "password": demo[LEADER]})
    assert old.status_code == 401

    # The new worker's account is closed: no sign-in any more, shown as 已停用.
    page.locator("[data-test=people-q]").fill("worker.new1")
    page.locator("[data-test=people-search]").click()
    expect(page.locator(ROWS)).to_have_count(1)
    page.locator(ROWS).locator("[data-test=person-deactivate]").click()
    page.get_by_role("dialog", name="停用账号").get_by_role("button", name="停用").click()
    expect(page.locator(ROWS)).to_contain_text("已停用")
    closed = api.post("/api/v1/auth/token", data={"username": "worker.new1", "password": temporary})
    assert closed.status_code == 401
    only_firegrid(tab)


def test_the_brigade_administers_the_station(tab, api, demo):
    page = tab.page
    open_people(tab, "brigade.chengzhong", demo["brigade.chengzhong"])
    page.locator("[data-test=people-q]").fill(STATION)
    page.locator("[data-test=people-search]").click()
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.locator(ROWS)).to_contain_text(STATION_NAME)
    expect(page.locator(ROWS).locator("[data-test=person-reset]")).to_be_visible()
