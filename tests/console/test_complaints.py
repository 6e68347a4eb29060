"""Complaints 投诉 in the console, in Chromium: a station triages a complaint the 96119 hotline
sent with an address only (signed as the demo's integration client signs), places it by
choosing an address candidate, dispatches it to a worker it picks by name, and that worker's
inbox has it; the caller is revealed only after a confirmation (audited); an extension is
refused with a reason; the station places another one by clicking on the map, and it goes to
the grid under the click; the list's filters narrow the rows as the API does; the station's
buttons are exactly the steps the API offers it, and taking them works; an admin replays a
dead hotline callback and it leaves the list of dead letters."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.complaints.conftest import callbacks_to
from tests.console.test_area_picker import pick_area
from tests.console.test_console import ROWS, STATION, bearer, only_firegrid, sign_in
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
    page.evaluate("window.scrollTo(0, 0)")  # the dialogs' scrolling moved the page: show its top
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


def _hotline(demo) -> IntegrationClient:
    return IntegrationClient(
        "hotline.96119", demo["hotline.96119 key_id"], demo["hotline.96119 secret"]
    )


def _address_only(api, demo, external_id: str, **extra) -> dict:
    body = complaint_body(external_id, channel="96119", **extra)
    del body["location"]
    sent = send_complaint(api, _hotline(demo), body)
    assert sent.status_code == 201, sent.text
    return sent.json()


def _shown_at(lng0: float, lat0: float, zoom: int, dx: float, dy: float) -> tuple[float, float]:
    """The WGS-84 point `dx`, `dy` pixels from a Web Mercator map's centre (lng0, lat0)."""
    radius = 6378137.0
    resolution = 2 * math.pi * radius / 256 / 2**zoom  # metres of EPSG:3857 per pixel
    x = radius * math.radians(lng0) + dx * resolution
    y = radius * math.log(math.tan(math.pi / 4 + math.radians(lat0) / 2)) - dy * resolution
    return math.degrees(x / radius), math.degrees(2 * math.atan(math.exp(y / radius)) - math.pi / 2)


def test_a_station_places_a_complaint_by_clicking_on_the_map_and_it_goes_to_that_grid(
    tab, api, demo
):
    staff = bearer(api, STATION, demo[STATION])
    complaint = _address_only(
        api,
        demo,
        "96119-CONSOLE-MAP1",
        text="东侧空地有人焚烧垃圾，靠近居民楼",
        address=f"{TOWNSHIP_NAME}东侧空地",
    )
    assert (complaint["state"], complaint["route_status"]) == ("received", "address")
    # The address names the township and nothing in it: the map opens on the township's point.
    [township] = api.get(
        f"/api/v1/complaints/{complaint['id']}/address-candidates", headers=staff
    ).json()
    assert (township["kind"], township["area_code"]) == ("area", TOWNSHIP)

    page = tab.page
    tab.goto(f"/console/complaints/{complaint['id']}")
    sign_in(tab, STATION, demo[STATION])
    expect(page.locator("[data-test=complaint-state]")).to_have_text("待分派")
    page.locator("[data-test=locate]").click()
    dialog = page.locator("[data-test=locate-dialog]")
    expect(dialog.locator("[data-test=address-candidates] .el-table__row")).to_have_count(1)
    viewport = dialog.locator("[data-test=locate-map] .ol-viewport")
    expect(viewport.locator("canvas").first).to_be_visible()
    box = viewport.bounding_box()
    dx, dy = 170, -90  # north-east of the township's point, a grid or two away
    viewport.click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})

    chosen = dialog.locator("[data-test=locate-chosen]")
    expect(chosen).to_contain_text("已选地图上的点")
    lng, lat = (float(v) for v in re.search(r"([\d.]+), ([\d.]+)", chosen.inner_text()).groups())
    expected = _shown_at(township["lng"], township["lat"], 15, dx, dy)
    assert abs(lng - expected[0]) < 1e-4 and abs(lat - expected[1]) < 1e-4, (lng, lat, expected)
    under = api.get("/api/v1/grids/locate", params={"lng": lng, "lat": lat}, headers=staff).json()
    assert under["status"] == "inside" and under["grid"], under
    dialog.locator("[data-test=locate-confirm]").click()

    expect(page.locator("[data-test=complaint-state]")).to_have_text("已派单")
    expect(page.locator("[data-test=complaint-facts]")).to_contain_text(under["grid"]["name"])
    placed = api.get(f"/api/v1/complaints/{complaint['id']}", headers=staff).json()
    assert placed["area_code"] == under["grid"]["code"]
    assert abs(placed["lng"] - lng) < 1e-5 and abs(placed["lat"] - lat) < 1e-5
    assert placed["assignee_id"] == under["handler"]["user_id"]
    expect(page.locator("[data-test=complaint-assignee]")).to_have_text(placed["assignee"])
    only_firegrid(tab)


def _beijing_day(days_ago: int) -> datetime:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return today - timedelta(days=days_ago)


def test_the_complaint_list_filters_narrow_the_rows_as_the_api_does(tab, api, demo):
    staff = bearer(api, STATION, demo[STATION])
    # One waiting in triage for three days: its same-day check (a locked exit) is overdue.
    received = _beijing_day(3)
    old = _address_only(
        api,
        demo,
        "96119-CONSOLE-OLD1",
        text="三天前的举报：仓库安全出口被锁闭",
        address=f"{TOWNSHIP_NAME}仓库",
        received_at=received.isoformat(),
    )
    assert old["overdue"] and old["state"] == "received"
    demo_one = next(
        c
        for c in api.get("/api/v1/complaints", headers=staff).json()
        if c["external_id"] == "96119-DEMO-0001"
    )
    page = tab.page
    rows = page.locator(f"[data-test=complaint-table] {ROWS}")
    signed_in = False

    def shows(query: dict, choose) -> list[str]:
        """Open the list, set the filters with `choose`, search: the rows are the API's."""
        nonlocal signed_in
        tab.goto("/console/complaints?triage=false")
        if not signed_in:
            sign_in(tab, STATION, demo[STATION])
            signed_in = True
        expect(page.locator("[data-test=complaint-table]")).to_be_visible()
        choose()
        page.locator("[data-test=filter-search]").click()
        answer = api.get(
            "/api/v1/complaints", params={"triage": "false", **query, "limit": 20}, headers=staff
        )
        texts = [c["text"] for c in answer.json()]
        expect(rows).to_have_count(len(texts))
        expect(page.locator(".el-pagination")).to_contain_text(
            f"共 {answer.headers['x-total-count']} 条"
        )
        for row, text in zip(rows.all(), texts, strict=True):
            expect(row).to_contain_text(text)
        return texts

    everything = shows({}, lambda: None)
    assert old["text"] in everything and demo_one["text"] in everything

    def dispatched():
        page.locator("[data-test=filter-state]").click()
        page.locator(".el-select-dropdown__item", has_text="已派单").click()

    assert old["text"] not in shows({"state": "dispatched"}, dispatched)

    overdue = shows({"overdue": "true"}, lambda: page.locator("[data-test=filter-overdue]").click())
    assert old["text"] in overdue and len(overdue) < len(everything)

    day = received.date().isoformat()

    def that_day():
        start, end = page.locator(".filters .el-range-input").all()
        start.fill(day)
        end.fill(day)
        end.press("Enter")

    assert shows({"received_from": day, "received_to": day}, that_day) == [old["text"]]

    grid = demo_one["area_code"]
    chain, code = [], grid
    while code:  # the grid's names from the township down, as the picker's tree opens
        area = api.get(f"/api/v1/areas/{code}", headers=staff).json()
        chain.insert(0, area["name"])
        code = area["parent_code"] if area["level"] != "township" else None
    in_grid = shows({"area": grid}, lambda: pick_area(page, "filter-area", *chain))
    assert demo_one["text"] in in_grid and old["text"] not in in_grid
    tab.screenshot("complaints-filtered")
    only_firegrid(tab)


def test_the_station_has_exactly_the_buttons_of_its_next_actions_and_they_work(tab, api, demo):
    staff = bearer(api, STATION, demo[STATION])
    listed = api.get("/api/v1/complaints", params={"limit": 100}, headers=staff).json()
    complaint = next(c for c in listed if c["external_id"] == "96119-DEMO-0003")
    cid = complaint["id"]
    worker = bearer(api, f"worker.{complaint['area_code']}", demo["worker.<grid code>"])
    for step in (
        {"action": "sign"},
        {"action": "verify", "finding": "rectified_already", "note": "纸箱已清走"},
        {"action": "reply", "reply": "经现场核查，门口纸箱已清理"},
    ):
        taken = api.post(f"/api/v1/complaints/{cid}/actions", json=step, headers=worker)
        assert taken.status_code == 200, taken.text

    page = tab.page
    buttons = page.locator("[data-test=next-actions] button")

    def offers(*names: str) -> None:
        """The buttons are the API's next_actions for the station, in Chinese."""
        seen = api.get(f"/api/v1/complaints/{cid}", headers=staff).json()
        expect(buttons).to_have_text(list(names))
        assert [b.get_attribute("data-action") for b in buttons.all()] == seen["next_actions"]
        assert not (seen["may_place"] or seen["may_ask_extension"])

    def take(name: str, note: str | None = None) -> None:
        buttons.filter(has_text=name).click()
        form = page.locator("[data-test=action-form]")
        if note is not None:
            form.locator("[data-test=form-note]").fill(note)
        form.locator("[data-test=action-submit]").click()

    tab.goto(f"/console/complaints/{cid}")
    sign_in(tab, STATION, demo[STATION])
    state = page.locator("[data-test=complaint-state]")
    expect(state).to_have_text("已答复")
    offers("办结")  # signing, the check and the reply were the worker's
    take("办结")
    expect(state).to_have_text("已办结")
    offers("回访满意", "回访不满意")

    take("回访不满意")  # without saying why: the API refuses, the form says so
    problem = page.locator("[data-test=action-problem]")
    expect(problem).to_be_visible()
    expect(state).to_have_text("已办结")
    page.locator("[data-test=action-form] [data-test=form-note]").fill("来电人称纸箱又堆回")
    page.locator("[data-test=action-form] [data-test=action-submit]").click()
    expect(state).to_have_text("回访不满意")
    offers("重办")
    expect(page.locator("[data-test=timeline]")).to_contain_text("来电人称纸箱又堆回")
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    tab.screenshot("complaint-steps")
    only_firegrid(tab)


def test_an_admin_replays_a_dead_callback_and_it_leaves_the_dead_letters(
    tab, api, db, demo, partner_hotline
):
    from backend.core.db import utcnow
    from backend.core.settings import get_settings
    from complaints.scheduled import deliver_hotline_callbacks

    def deliver(at) -> None:
        with db() as session:
            deliver_hotline_callbacks(session, get_settings(), now=at)

    hotline = _hotline(demo)
    partner_hotline.fail_first = 10**6  # the hotline's system is down
    callbacks_to(db, hotline, partner_hotline.url)
    staff = bearer(api, STATION, demo[STATION])
    sent = _address_only(
        api, demo, "96119-CONSOLE-DEAD1", text="楼道灭火器过期", address=f"{TOWNSHIP_NAME}仓库"
    )
    grid = api.get("/api/v1/complaints", params={"limit": 100}, headers=staff).json()
    somewhere = next(c for c in grid if c["external_id"] == "96119-DEMO-0001")
    placed = api.post(
        f"/api/v1/complaints/{sent['id']}/location",
        json={"location": {"lng": somewhere["lng"], "lat": somewhere["lat"], "crs": "wgs84"}},
        headers=staff,
    )
    assert placed.status_code == 200 and placed.json()["state"] == "dispatched", placed.text
    start = utcnow()
    for half_hours in range(0, 52):  # retried for 24 hours, then dead
        deliver(start + timedelta(minutes=30 * half_hours))
    admin = bearer(api, "admin", demo["admin"])
    [dead] = api.get("/api/v1/hotline/callbacks", headers=admin).json()
    assert (dead["complaint_id"], dead["event"]) == (sent["id"], "dispatched")

    page = tab.page
    tab.goto("/console/callbacks")
    sign_in(tab, "admin", demo["admin"])
    table = page.locator("[data-test=callbacks]")
    row = table.locator(ROWS)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("已派单")
    expect(row).to_contain_text("发送失败")
    expect(row).to_contain_text("503")
    tab.screenshot("callbacks-dead")
    row.locator("[data-test=replay]").click()
    page.get_by_role("button", name="重发", exact=True).last.click()
    expect(page.locator(".el-message")).to_contain_text("已重发")
    expect(row).to_have_count(0)
    expect(table).to_contain_text("暂无记录")
    replayed = api.get("/api/v1/hotline/callbacks", params={"status": "pending"}, headers=admin)
    assert [c["id"] for c in replayed.json()] == [dead["id"]]

    partner_hotline.fail_first = 0  # back up: the next pass delivers it
    deliver(utcnow())
    page.get_by_text("已送达", exact=True).click()
    expect(row).to_have_count(1)
    expect(row).to_contain_text("已送达")
    assert partner_hotline.events() == ["dispatched"]
    only_firegrid(tab)
