"""Complaints 投诉 in the console, in Chromium: a station triages a complaint the 96119 hotline
sent with an address only (signed as the demo's integration client signs), places it by
choosing an address candidate, dispatches it to a worker it picks by name, and that worker's
inbox has it; the caller is revealed only after a confirmation (audited); an extension is
refused with a reason; an admin replays a dead hotline callback."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.console.test_console import STATION, bearer, only_firegrid, sign_in
from tests.world import IntegrationClient, complaint_body, send_complaint

TOWNSHIP = "450202901"
TOWNSHIP_NAME = "城中演示街道一"
VILLAGE = "450202901001"  # its grid leader is leader.cz1-1


def _premises_and_people(db):
    """A premises of the demo in a grid of VILLAGE, that grid's primary worker and the primary
    worker of another grid (to become the first grid's backup)."""
    from sqlalchemy import select

    from backend.identity.models import User
    from grids.models import Area
    from grids.premises.models import Premises

    with db() as session:
        premises = session.execute(
            select(Premises.name, Area.code)
            .join(Area, Area.id == Premises.area_id)
            .where(Area.code.startswith(f"{VILLAGE}-"))
            .order_by(Premises.name)
            .limit(1)
        ).one()
        grid = premises.code
        other = session.scalar(
            select(Area.code)
            .where(Area.code.startswith(f"{VILLAGE}-"), Area.code != grid)
            .order_by(Area.code)
            .limit(1)
        )
        users = {
            u.username: (str(u.id), u.display_name)
            for u in session.scalars(
                select(User).where(User.username.in_([f"worker.{grid}", f"worker.{other}"]))
            )
        }
    return premises.name, grid, users[f"worker.{grid}"], users[f"worker.{other}"], other


def test_a_station_places_an_address_only_complaint_and_dispatches_it_by_name(tab, api, demo, db):
    premises, grid, primary, backup, backup_grid = _premises_and_people(db)
    staff = bearer(api, STATION, demo[STATION])
    # The grid gets a backup worker, so that the station has someone to choose besides whom
    # routing picks (the primary).
    team = api.put(
        f"/api/v1/grids/{grid}/team",
        json={"primary": primary[0], "backups": [backup[0]]},
        headers=staff,
    )
    assert team.status_code == 200, team.text

    hotline = IntegrationClient(
        "hotline.96119", demo["hotline.96119 key_id"], demo["hotline.96119 secret"]
    )
    body = complaint_body(
        "96119-CONSOLE-0001",
        channel="96119",
        text=f"{premises}后门安全出口被锁闭，楼道堆满纸箱",
        address=f"{TOWNSHIP_NAME}{premises}",
        caller={"name": "李四", "phone": "13912345678"},
    )
    del body["location"]
    sent = send_complaint(api, hotline, body)
    assert sent.status_code == 201, sent.text
    complaint = sent.json()
    assert complaint["state"] == "received" and complaint["lng"] is None

    page = tab.page
    tab.goto("/console/complaints")
    sign_in(tab, STATION, demo[STATION])
    expect(page).to_have_url(f"{tab.base_url}/console/complaints", timeout=15_000)
    expect(page.locator(".el-menu-item", has_text="投诉")).to_be_visible()

    # The triage queue: what waits, with the area's name and the running deadline.
    row = page.locator(".el-table__row", has_text="后门安全出口被锁闭，楼道堆满纸箱")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待分派")
    expect(row).to_contain_text(TOWNSHIP_NAME)
    expect(row).to_contain_text("现场核查")
    expect(page.locator(".el-pagination")).to_contain_text("共")
    tab.screenshot("complaints-triage")

    row.click()
    expect(page).to_have_url(f"{tab.base_url}/console/complaints/{complaint['id']}")
    facts = page.locator("[data-test=complaint-facts]")
    expect(facts).to_contain_text("96119 消防举报投诉专线")
    expect(facts).to_contain_text("139****5678")
    expect(facts).not_to_contain_text("李四")

    # Locate: choose the premises among the address candidates.
    page.locator("[data-test=locate]").click()
    dialog = page.locator("[data-test=locate-dialog]")
    candidate = dialog.locator(".el-table__row", has_text=premises)
    expect(candidate).to_have_count(1)
    candidate.click()
    expect(dialog.locator("[data-test=locate-chosen]")).to_contain_text(premises)
    page.wait_for_timeout(500)  # the map's grid lines
    tab.screenshot("complaints-locate")
    dialog.locator("[data-test=locate-confirm]").click()

    # Routed to the grid's primary worker (on duty) ...
    expect(page.locator("[data-test=complaint-state]")).to_have_text("已派单")
    expect(page.locator("[data-test=complaint-assignee]")).to_have_text(primary[1])

    # ... and the station chooses the backup instead, by name.
    page.locator("[data-test=dispatch]").click()
    dialog = page.locator("[data-test=dispatch-dialog]")
    people = dialog.locator(".el-table__row")
    expect(people.filter(has_text=primary[1])).to_contain_text("推荐")
    expect(people.filter(has_text=primary[1])).to_contain_text("当前承办")
    people.filter(has_text=backup[1]).click()
    expect(dialog).to_contain_text(f"派给：{backup[1]}")
    dialog.locator("[data-test=dispatch-candidates]").evaluate("e => e.scrollIntoView()")
    tab.screenshot("complaints-dispatch")
    assert backup[0] not in dialog.inner_text()  # names, never ids
    dialog.locator("[data-test=dispatch-confirm]").click()
    expect(page.locator("[data-test=complaint-assignee]")).to_have_text(backup[1])
    expect(page.locator("[data-test=timeline]")).to_contain_text("人工派单")

    # The caller in clear only after a confirmation; the look is in the timeline (audited).
    page.locator("[data-test=reveal-caller]").click()
    page.get_by_role("button", name="确定查看").click()
    expect(page.locator("[data-test=caller]")).to_contain_text("李四 13912345678")
    expect(page.locator("[data-test=timeline]")).to_contain_text("查看来电人信息")
    expect(page.locator(".el-loading-mask")).to_have_count(0)
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    tab.screenshot("complaint-detail")

    # The message reached the chosen worker's inbox.
    worker = bearer(api, f"worker.{backup_grid}", demo["worker.<grid code>"])
    inbox = api.get("/api/v1/notifications", headers=worker).json()["items"]
    assert any(
        item["subject_id"] == complaint["id"] and item["kind"] == "complaint_dispatched"
        for item in inbox
    ), json.dumps(inbox, ensure_ascii=False)
    placed = api.get(f"/api/v1/complaints/{complaint['id']}", headers=staff).json()
    assert placed["assignee_id"] == backup[0]
    assert placed["area_code"] == grid
    only_firegrid(tab)


def test_a_station_refuses_an_extension_with_a_reason(tab, api, demo):
    staff = bearer(api, STATION, demo[STATION])
    listed = api.get("/api/v1/complaints", params={"limit": 100}, headers=staff).json()
    complaint = next(c for c in listed if c["external_id"] == "96119-DEMO-0001")
    worker = bearer(api, f"worker.{complaint['area_code']}", demo["worker.<grid code>"])
    asked = api.post(
        f"/api/v1/complaints/{complaint['id']}/extensions",
        json={"working_days": 2, "reason": "店主外出，需约定时间现场核查"},
        headers=worker,
    )
    assert asked.status_code == 201, asked.text

    page = tab.page
    tab.goto(f"/console/complaints/{complaint['id']}")
    sign_in(tab, STATION, demo[STATION])
    extensions = page.locator("[data-test=extensions]")
    expect(extensions).to_contain_text("店主外出，需约定时间现场核查")
    expect(extensions).to_contain_text("签收")
    extensions.get_by_role("button", name="不予批准").click()
    page.get_by_role("button", name="确定").click()
    expect(page.locator(".el-message-box")).to_contain_text("请填写理由")  # a refusal says why
    page.locator(".el-message-box input").fill("签收不需要延期，请今日签收")
    page.get_by_role("button", name="确定").click()

    expect(extensions).to_contain_text("不予批准")
    expect(extensions).to_contain_text("签收不需要延期，请今日签收")
    expect(page.locator("[data-test=timeline]")).to_contain_text("延期审批")
    decided = api.get(f"/api/v1/complaints/{complaint['id']}/extensions", headers=staff).json()
    assert [(e["state"], e["decision_note"]) for e in decided] == [
        ("refused", "签收不需要延期，请今日签收")
    ]
    only_firegrid(tab)
