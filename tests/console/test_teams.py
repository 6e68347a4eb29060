"""网格团队 in Chromium: a station picks a grid by name, adds a backup worker found by name, puts
the primary worker on leave for today, and the grid's handler becomes the backup, as the API
routes work (no ids typed anywhere)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.console.test_area_picker import pick_area
from tests.console.test_console import STATION, TOWNSHIP, bearer, only_firegrid, sign_in


def test_a_station_adds_a_backup_by_name_and_sends_the_primary_on_leave(tab, api, demo):
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    township = api.get(f"/api/v1/areas/{TOWNSHIP}", headers=station).json()
    village = api.get("/api/v1/areas", params={"parent": TOWNSHIP}, headers=station).json()[0]
    grids = api.get("/api/v1/areas", params={"parent": village["code"]}, headers=station).json()
    grid, neighbour = grids[0], grids[1]
    team = api.get(f"/api/v1/grids/{grid['code']}/team", headers=station).json()
    primary = next(m for m in team["members"] if m["relation"] == "primary")
    helper = next(
        m
        for m in api.get(f"/api/v1/grids/{neighbour['code']}/team", headers=station).json()[
            "members"
        ]
        if m["relation"] == "primary"
    )
    assert helper["user_id"] not in team["backups"]

    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="网格团队").click()
    pick_area(page, "team-grid", township["name"], village["name"], grid["name"])
    members = page.locator("[data-test=team-members]")
    expect(members).to_contain_text(primary["display_name"])
    expect(page.locator("[data-test=team-handler]")).to_contain_text(primary["display_name"])

    # A backup found by (part of) their name.
    page.locator("[data-test=team-backups]").click()
    page.keyboard.type(helper["display_name"][:4])
    page.locator(".el-select-dropdown__item:visible", has_text=helper["display_name"]).click()
    page.locator(".title", has_text="网格团队").click()  # the list closes
    expect(page.locator(".el-select-dropdown:visible")).to_have_count(0)
    page.locator("[data-test=team-save]").click()
    expect(members).to_contain_text(helper["display_name"])
    saved = api.get(f"/api/v1/grids/{grid['code']}/team", headers=station).json()
    assert helper["user_id"] in saved["backups"] and saved["primary"] == primary["user_id"]

    # The primary worker on leave today: the grid's work goes to a backup.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    members.locator("tr", has_text=primary["display_name"]).locator(
        "[data-test=member-duty]"
    ).click()
    dialog = page.locator("[data-test=duty-dialog]")
    dates = dialog.locator("input.el-range-input")
    dates.first.fill(today)
    dates.nth(1).fill(today)
    dates.nth(1).press("Enter")
    dialog.locator("[data-test=duty-save]").click()
    expect(members.locator("tr", has_text=primary["display_name"])).to_contain_text("今日不在岗")
    expect(members.locator("tr", has_text=primary["display_name"])).to_contain_text(
        f"请假 {today} 至 {today}"
    )
    after = api.get(f"/api/v1/grids/{grid['code']}/team", headers=station).json()
    assert after["handler"]["kind"] == "backup_worker"
    expect(page.locator("[data-test=team-handler]")).to_contain_text(
        after["handler"]["display_name"]
    )
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    tab.screenshot("teams")
    only_firegrid(tab)
