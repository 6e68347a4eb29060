"""巡查 in Chromium, as the demo's first station (station.cz1): it plans next month (a preview
per grid and worker, then the plan; the tasks appear in 巡查任务), reassigns a task to a
worker of its grid chosen by name, runs a campaign (preview, create, progress) and cancels
it, and sends a work prompt whose read receipt shows the worker who read it. A grid leader
follows patrols but is offered nothing to change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from backend.core.localtime import LOCAL_TIME
from tests.console.test_area_picker import pick_area
from tests.console.test_console import STATION, TOWNSHIP, bearer, only_firegrid, sign_in

TASKS = "[data-test=tasks-table] .el-table__body tr.el-table__row"
CAMPAIGNS = "[data-test=campaigns-table] .el-table__body tr.el-table__row"


def next_month() -> str:
    today = datetime.now(LOCAL_TIME)
    index = today.year * 12 + today.month  # next month, 0-based
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@pytest.fixture
def station(api, demo) -> dict[str, str]:
    return bearer(api, STATION, demo[STATION])


@pytest.fixture
def places(api, station) -> dict[str, dict]:
    """The township, its first village and that village's first two grids, as the API names
    them (the area picker shows these names)."""
    township = next(
        a for a in api.get("/api/v1/areas", params={"top": True}, headers=station).json()
    )
    assert township["code"] == TOWNSHIP
    village = api.get("/api/v1/areas", params={"parent": TOWNSHIP}, headers=station).json()[0]
    grids = api.get("/api/v1/areas", params={"parent": village["code"]}, headers=station).json()
    return {"township": township, "village": village, "grid": grids[0], "neighbour": grids[1]}


def open_patrols(tab, username: str, password: str, pane: str | None = None) -> None:
    page = tab.page
    tab.goto("/console/")
    sign_in(tab, username, password)
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="巡查").click()
    expect(page).to_have_url(f"{tab.base_url}/console/patrols")
    if pane:
        page.get_by_role("tab", name=pane).click()


def pick_month(page, test: str, period: str) -> None:
    """Type a month into the month picker `test` as it shows one (2027年01月)."""
    year, month = period.split("-")
    field = page.locator(f"input[data-test={test}], [data-test={test}] input").first
    field.click()
    field.fill(f"{year}年{month}月")
    field.press("Enter")


def choose(page, test: str, text: str, typed: str | None = None) -> None:
    """Open the select `test` (typing `typed` into it when it searches) and choose `text`."""
    page.locator(f"[data-test={test}]").click()
    if typed is not None:
        page.keyboard.type(typed)
    page.locator(".el-select-dropdown__item:visible", has_text=text).first.click()


def test_a_station_previews_and_creates_next_months_plan(tab, api, demo, station, places):
    page = tab.page
    period = next_month()
    expected = api.post(
        "/api/v1/patrols/plans",
        json={"area_code": TOWNSHIP, "period": period, "preview": True},
        headers=station,
    ).json()
    assert expected["created"] > 0, "the demo's township has premises to patrol next month"

    open_patrols(tab, STATION, demo[STATION])
    expect(page.get_by_role("tab", name="月度计划")).to_have_attribute("aria-selected", "true")
    expect(page.locator("[data-test=plan-schedule]")).to_contain_text("未设置自动生成")
    pick_area(page, "plan-area", places["township"]["name"])
    pick_month(page, "plan-period", period)
    page.locator("[data-test=plan-preview]").click()
    summary = page.locator("[data-test=plan-summary]")
    expect(summary).to_contain_text(f"{period} 预览：新建 {expected['created']} 项")
    grids = page.locator("[data-test=plan-grids] .el-table__body tr.el-table__row")
    expect(grids).to_have_count(len(expected["grids"]))
    first = expected["grids"][0]
    expect(grids.first).to_contain_text(first["grid_name"])
    expect(grids.first).to_contain_text(first["assignee_name"] or "工作站")
    listed = api.get("/api/v1/patrols/tasks", params={"period": period}, headers=station)
    assert listed.headers["x-total-count"] == "0", "a preview writes nothing"
    tab.screenshot("patrols-plan-preview")

    page.locator("[data-test=plan-create]").click()
    page.get_by_role("dialog", name="生成月度计划").get_by_role("button", name="生成").click()
    expect(summary).to_contain_text(f"{period} 已生成：新建 {expected['created']} 项")
    listed = api.get("/api/v1/patrols/tasks", params={"period": period}, headers=station)
    assert listed.headers["x-total-count"] == str(expected["created"])

    # The tasks are in 巡查任务, the month picked by name of the month.
    page.get_by_role("tab", name="巡查任务").click()
    pick_month(page, "tasks-period", period)
    page.locator("[data-test=tasks-search]").click()
    expect(page.locator(".patrols .el-pagination__total")).to_contain_text(str(expected["created"]))
    shown = listed.json()[0]
    row = page.locator(TASKS).first
    expect(row).to_contain_text(shown["premises_name"])
    expect(row).to_contain_text("月度计划")
    expect(row).to_contain_text("待巡查")
    tab.screenshot("patrols-tasks")

    # 进度: the tasks due next month (monthly ones; a quarter's fall due later) per village
    # and per worker, none done yet.
    progress = api.get(
        "/api/v1/patrols/progress",
        params={"area_code": TOWNSHIP, "period": period},
        headers=station,
    ).json()
    assert 0 < progress[0]["due"] <= expected["created"]
    page.get_by_role("tab", name="进度").click()
    pick_area(page, "progress-area", places["township"]["name"])
    pick_month(page, "progress-period", period)
    page.locator("[data-test=progress-show]").click()
    areas = page.locator("[data-test=progress-areas] .el-table__body tr.el-table__row")
    expect(areas.first).to_contain_text(places["township"]["name"])
    expect(areas.first.locator("td").nth(1)).to_have_text(str(progress[0]["due"]))
    expect(areas).to_have_count(len(progress))
    expect(
        page.locator("[data-test=progress-workers] .el-table__body tr.el-table__row").first
    ).to_be_visible()
    tab.screenshot("patrols-progress")
    only_firegrid(tab)


def test_a_station_reassigns_a_task_to_a_worker_chosen_by_name(tab, api, demo, station, places):
    page = tab.page
    grid, neighbour = places["grid"], places["neighbour"]
    team = api.get(f"/api/v1/grids/{grid['code']}/team", headers=station).json()
    other = api.get(f"/api/v1/grids/{neighbour['code']}/team", headers=station).json()
    # The neighbouring grid's worker stands in for this grid too (人员 screens set teams).
    placed = api.put(
        f"/api/v1/grids/{grid['code']}/team",
        json={"primary": team["primary"], "backups": [other["primary"]]},
        headers=station,
    )
    assert placed.status_code == 200, placed.text
    names = {m["user_id"]: m["display_name"] for m in placed.json()["members"]}
    now_name, new_name = names[team["primary"]], names[other["primary"]]
    mine = api.get(
        "/api/v1/patrols/tasks",
        params={"assignee_id": team["primary"], "state": "open", "limit": 1},
        headers=station,
    ).json()
    assert mine, "the demo's plan gives the grid's worker tasks"
    task = mine[0]

    open_patrols(tab, STATION, demo[STATION], "巡查任务")
    choose(page, "tasks-worker", now_name, typed=now_name[:4])
    choose(page, "tasks-state", "待巡查")
    page.locator("[data-test=tasks-search]").click()
    row = page.locator(TASKS).first
    expect(row).to_contain_text(task["premises_name"])
    expect(row.locator("[data-test=task-assignee]")).to_have_text(now_name)
    row.locator("[data-test=task-reassign]").click()
    dialog = page.locator("[data-test=task-reassign-dialog]")
    expect(dialog).to_contain_text(now_name)
    choose(page, "reassign-to", new_name)
    tab.screenshot("patrols-reassign")
    dialog.locator("[data-test=reassign-confirm]").click()
    expect(page.locator(".el-message--success")).to_contain_text(f"已改派给{new_name}")

    moved = api.get(f"/api/v1/patrols/tasks/{task['id']}", headers=station).json()
    assert (moved["assignee_id"], moved["assignee_name"]) == (other["primary"], new_name)
    only_firegrid(tab)


def test_a_station_runs_a_campaign_follows_it_and_cancels_it(tab, api, demo, station, places):
    page = tab.page
    now = datetime.now(UTC)
    body = {
        "title": "九小场所冬季防火专项",
        "area_code": TOWNSHIP,
        "premises_types": ["small_venue"],
        "starts_at": now.isoformat(),
        "due_at": (now + timedelta(days=14)).isoformat(),
    }
    expected = api.post("/api/v1/patrols/campaigns/preview", json=body, headers=station).json()
    assert expected["created"] > 0, "the demo's township has small venues"

    open_patrols(tab, STATION, demo[STATION], "专项整治")
    page.locator("[data-test=campaign-new]").click()
    dialog = page.locator("[data-test=campaign-dialog]")
    dialog.locator("[data-test=campaign-title]").fill(body["title"])
    pick_area(page, "campaign-area", places["township"]["name"])
    choose(page, "campaign-types", "九小场所")
    dialog.locator(".el-dialog__title").click()  # the type list closes
    dialog.locator("[data-test=campaign-preview-button]").click()
    expect(dialog.locator("[data-test=campaign-preview-summary]")).to_contain_text(
        f"将新建 {expected['created']} 项任务"
    )
    expect(
        dialog.locator("[data-test=campaign-preview] .el-table__body tr.el-table__row")
    ).to_have_count(len(expected["grids"]))
    assert api.get("/api/v1/patrols/campaigns", headers=station).json() == []
    tab.screenshot("patrols-campaign-preview")
    dialog.locator("[data-test=campaign-create]").click()

    row = page.locator(CAMPAIGNS, has_text=body["title"])
    expect(row.locator("[data-test=campaign-counts]")).to_have_text(f"0/{expected['created']}")
    expect(row.locator("[data-test=campaign-state]")).to_have_text("进行中")
    [campaign] = api.get("/api/v1/patrols/campaigns", headers=station).json()

    row.locator("[data-test=campaign-progress]").click()
    shares = page.locator("[data-test=campaign-shares] .el-table__body tr.el-table__row")
    progress = api.get(
        f"/api/v1/patrols/campaigns/{campaign['id']}/progress", headers=station
    ).json()
    expect(shares).to_have_count(len(progress))
    expect(shares.first).to_contain_text(progress[0]["grid_name"])
    tab.screenshot("patrols-campaign-progress")
    page.locator("[data-test=campaign-progress-dialog] .el-dialog__headerbtn").click()

    row.locator("[data-test=campaign-cancel]").click()
    confirm = page.get_by_role("dialog", name="取消专项整治")
    confirm.locator("input").fill("上级通知调整时间")
    confirm.get_by_role("button", name="取消专项").click()
    expect(row.locator("[data-test=campaign-state]")).to_have_text("已取消")
    expect(row.locator("[data-test=campaign-cancel]")).to_have_count(0)
    tab.screenshot("patrols-campaigns")

    tasks = api.get(
        "/api/v1/patrols/tasks",
        params={"campaign_id": campaign["id"], "limit": 500},
        headers=station,
    ).json()
    assert len(tasks) == expected["created"]
    assert {t["state"] for t in tasks} == {"cancelled"}
    only_firegrid(tab)


def test_a_station_sends_a_work_prompt_and_sees_who_has_read_it(tab, api, demo, station, places):
    page = tab.page
    grid = places["grid"]
    open_patrols(tab, STATION, demo[STATION], "工作提示")
    pick_area(
        page, "prompt-area", places["township"]["name"], places["village"]["name"], grid["name"]
    )
    page.locator("[data-test=prompt-title]").fill("元旦前消防安全工作提示")
    page.locator("[data-test=prompt-body]").fill("请重点检查人员密集场所的疏散通道。")
    page.locator("[data-test=prompt-send]").click()
    row = page.locator(
        "[data-test=prompts-table] tr.el-table__row", has_text="元旦前消防安全工作提示"
    )
    expect(row).to_be_visible()

    # The grid's worker reads it on the phone.
    sent = next(
        p
        for p in api.get("/api/v1/patrols/prompts", headers=station).json()
        if p["title"] == "元旦前消防安全工作提示"
    )
    worker = f"worker.{grid['code']}"
    reader = bearer(api, worker, demo["worker.<grid code>"])
    assert api.post(f"/api/v1/patrols/prompts/{sent['id']}/read", headers=reader).status_code == 200
    receipts = api.get(f"/api/v1/patrols/prompts/{sent['id']}/receipts", headers=station).json()
    [read] = receipts["read"]

    row.locator("[data-test=prompt-receipts]").click()
    dialog = page.locator("[data-test=receipts-dialog]")
    expect(dialog.locator("[data-test=receipts-summary]")).to_contain_text(
        f"已读 1 人，未读 {len(receipts['unread'])} 人"
    )
    reader_row = dialog.locator("tr.el-table__row", has_text=read["display_name"])
    expect(reader_row).to_contain_text("已读")
    tab.screenshot("patrols-prompt-receipts")
    only_firegrid(tab)


def test_a_grid_leader_follows_patrols_and_is_offered_nothing_to_change(tab, api, demo):
    page = tab.page
    open_patrols(tab, "leader.cz1-1", demo["leader.cz1-1"])
    expect(page.get_by_role("tab")).to_have_text(["巡查任务", "进度", "考核", "专项整治"])
    expect(page.locator(TASKS).first).to_be_visible()
    expect(page.locator("[data-test=task-reassign]")).to_have_count(0)
    expect(page.locator("[data-test=task-cancel]")).to_have_count(0)
    page.get_by_role("tab", name="进度").click()
    only_firegrid(tab)
