"""物联网报警 in the console, on the demo: the county's smoke-detector platform (signed) posts a
burst of alarms from a detector beside a demo premises; the township station finds the
device (registered by its first event) in 物联网报警, opens its feed and sees, newest first,
each alarm with what it became (an urgent task, then the hazard of the repeated alarm), and
clicks through to the hazard. An event the platform's area does not place waits in 未定位事件;
the county's brigade registers that device through the dialog, in the station's township. Another township's station sees
none of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from backend.identity.enums import Role
from tests.console.conftest import VIEWPORT, Page
from tests.console.test_console import bearer, sign_in
from tests.console.test_fire_alerts import a_premises_of, metres_east
from tests.console.test_hazard_detail import choose, field
from tests.world import SETUP, IntegrationClient, signed_headers

STATION = "station.cz1"  # township 450202901
BRIGADE = "brigade.chengzhong"  # the county 450202
OTHER_STATION = "station.cz2"
COUNTY = "450202"  # 城中区: the platform serves it
GRID = "450202901001-002"
PATH = "/api/v1/alarm-feeds/events"
ROWS = ".el-table__body tr.el-table__row"


def settled(page) -> None:
    """Nothing loading, no message, the page at its top: ready for a picture."""
    expect(page.locator(".el-loading-mask:visible")).to_have_count(0)
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    page.evaluate("window.scrollTo(0, 0)")


def platform(db) -> IntegrationClient:
    """城中区's smoke-detector cloud 烟感云平台, an integration client with its key."""
    from backend.core.settings import get_settings
    from backend.identity import partners
    from grids import service, workforce

    with db() as session:
        user = workforce.place_user(
            session,
            area=service.area_by_code(session, COUNTY),
            username="iot.smoke",
            password=None,
            role=Role.INTEGRATION,
            display_name="烟感云平台",
            certificate_number=None,
            certificate_expires_on=None,
            actor=SETUP,
        )
        issued = partners.issue_integration_key(session, get_settings(), user, SETUP)
        return IntegrationClient(user.username, issued.key_id, issued.secret)


def post(api, client: IntegrationClient, events: list[dict]):
    raw = json.dumps({"events": events}, ensure_ascii=False).encode()
    return api.post(PATH, content=raw, headers=signed_headers(client, "POST", PATH, raw))


def test_a_station_follows_a_devices_burst_of_alarms_to_its_hazard(tab, browser, api, demo, db):
    page = tab.page
    lng, lat, _ = a_premises_of(db, GRID)
    point = metres_east((lng, lat), 5)
    client = platform(db)
    now = datetime.now(UTC).replace(microsecond=0)
    burst = [
        {
            "event_id": f"YG-{n}",
            "device_id": "860123456789012",
            "kind": "alarm",
            "occurred_at": (now - timedelta(minutes=30 - 10 * n)).isoformat(),
            "location": {"lng": point[0], "lat": point[1]},
            "device_kind": "smoke",
            "reading": f"烟雾浓度 0.{n + 1}2 dB/m",
        }
        for n in range(3)
    ]
    sent = post(api, client, burst)
    assert sent.status_code == 200, sent.text
    receipts = sent.json()["events"]
    assert [r["outcome"] for r in receipts] == ["urgent_task", "urgent_task", "hazard"], receipts
    hazard_id = receipts[2]["hazard_id"]
    # A detector somewhere the platform does not serve (鱼峰区): kept, flagged.
    stray = post(
        api,
        client,
        [
            {
                "event_id": "YG-stray",
                "device_id": "860999999999999",
                "kind": "fault",
                "occurred_at": now.isoformat(),
                "reading": "离线",
            }
        ],
    )
    assert stray.json()["events"][0]["outcome"] == "not_routed", stray.text

    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="物联网报警").click()
    expect(page).to_have_url(f"{tab.base_url}/console/alarm-feeds")
    station = bearer(api, STATION, demo[STATION])
    devices = api.get("/api/v1/alarm-feeds/devices", headers=station)
    expect(page.locator("[data-test=devices-total]")).to_have_text(
        f"共 {devices.headers['x-total-count']} 台"
    )
    choose(page, "devices-kind", "独立式感烟探测报警器")
    page.locator("[data-test=devices-search]").click()
    row = page.locator(ROWS).filter(has_text="860123456789012")
    expect(row.locator("[data-test=device-ref]")).to_have_text("860123456789012")
    expect(row).to_contain_text("待完善")  # registered by its first event
    settled(page)
    tab.screenshot("alarm-devices")

    row.click()
    expect(page).to_have_url(
        f"{tab.base_url}/console/alarm-feeds/devices/{receipts[0]['device_id']}"
    )
    expect(page.locator("[data-test=events-total]")).to_have_text("共 3 条")
    feed = page.locator("[data-test=event-table] .el-table__body tr.el-table__row")
    expect(feed.locator("[data-test=event-kind]")).to_have_text(["报警", "报警", "报警"])
    expect(feed.locator("[data-test=event-outcome]")).to_have_text(
        ["多次报警，上报隐患", "生成紧急任务", "生成紧急任务"]  # newest first
    )
    # Each alarm's urgent task, and whether it is done yet: the worker has not gone yet.
    expect(feed.locator("[data-test=event-task]")).to_have_text(["任务·待巡查"] * 3)
    expect(feed.locator("[data-test=event-hazard]")).to_have_count(1)
    expect(feed.first).to_contain_text("烟雾浓度 0.32 dB/m")
    settled(page)
    tab.screenshot("alarm-device-feed")
    feed.first.locator("[data-test=event-hazard]").click()
    expect(page).to_have_url(f"{tab.base_url}/console/hazards/{hazard_id}")
    expect(page.locator("body")).to_contain_text("物联网监测")

    # 未定位事件: the stray detector's fault waits in the platform's own area (the county),
    # for the county's brigade, who registers it at a point of a township: its events are
    # routed from now on.
    assert (
        api.get(
            "/api/v1/alarm-feeds/events",
            params={"not_routed": "true"},
            headers=bearer(api, STATION, demo[STATION]),
        ).json()
        == []
    )
    brigade = Page(browser.new_context(viewport=VIEWPORT, locale="zh-CN"), tab.base_url)
    try:
        bpage = brigade.page
        brigade.goto("/console/")
        sign_in(brigade, BRIGADE, demo[BRIGADE])
        expect(bpage.locator("[data-test=user-name]")).to_be_visible()
        bpage.locator(".el-menu-item", has_text="物联网报警").click()
        bpage.locator("[data-test=alarm-tabs]").get_by_role("tab", name="未定位事件").click()
        expect(bpage.locator("[data-test=unrouted-total]")).to_have_text("共 1 条")
        expect(bpage.locator("[data-test=unrouted-device]")).to_have_text(["860999999999999"])
        settled(bpage)
        brigade.screenshot("alarm-not-routed")
        bpage.locator("[data-test=unrouted-register]").first.click()
        dialog = bpage.locator("[data-test=device-dialog]")
        expect(dialog).to_be_visible()
        # The platform is the event's, by name; the list offers the platforms serving the county.
        expect(dialog.locator("[data-test=device-partner]")).to_contain_text(
            "烟感云平台（iot.smoke）"
        )
        dialog.locator("[data-test=device-partner]").click()
        offered = bpage.locator(".el-select-dropdown__item:visible")
        expect(offered.filter(has_text="iot.demo")).to_contain_text("智慧消防物联网平台（演示）")
        expect(offered.filter(has_text="iot.smoke")).to_contain_text("已登记 1 台")
        brigade.screenshot("alarm-platforms")
        bpage.keyboard.press("Escape")
        expect(dialog).to_be_visible()
        expect(field(dialog, "device-external-id")).to_have_value("860999999999999")
        choose(bpage, "device-kind", "电气火灾监控")
        field(dialog, "device-lng").fill(f"{lng:.6f}")
        field(dialog, "device-lat").fill(f"{lat:.6f}")
        field(dialog, "device-install-place").fill("一楼配电箱")
        brigade.screenshot("alarm-device-register")
        dialog.locator("[data-test=device-submit]").click()
        expect(dialog).to_be_hidden()
        expect(bpage.locator("[data-test=device-title]")).to_have_text(
            "电气火灾监控 860999999999999"
        )
        expect(bpage.locator("[data-test=device-facts]")).to_contain_text("一楼配电箱")
    finally:
        brigade.context.close()
    # The station sees it now, in its township.
    page.locator(".el-menu-item", has_text="物联网报警").click()
    expect(page.locator("[data-test=devices-total]")).to_have_text(
        f"共 {int(devices.headers['x-total-count']) + 1} 台"
    )

    # Another township's station sees none of it.
    other = bearer(api, OTHER_STATION, demo[OTHER_STATION])
    assert api.get("/api/v1/alarm-feeds/devices", headers=other).json() == []
    assert api.get("/api/v1/alarm-feeds/events", headers=other).json() == []
    device = api.get(f"/api/v1/alarm-feeds/devices/{receipts[0]['device_id']}", headers=other)
    assert device.status_code == 404
