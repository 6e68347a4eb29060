"""火警 (一键报警) in the console, on the demo: a grid worker presses 一键报警 through the API
beside a demo premises; the township station opens 火警, finds the alert first, opens it and
sees who was alerted, nearest first (the micro station it registered 300 m away among them);
a nearby worker answers 前往 on the phone (the API) and the open page shows it without a
reload (it polls); the station enters the micro station's phone answer, then closes the
alert. From the alert, 记录火灾事故 opens the incident form with the alert's time and point.
Another township's station sees none of it. The micro station register: a station is
registered by typing its point, and set off duty and back."""

from __future__ import annotations

import math
import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from tests.console.test_console import bearer, sign_in
from tests.console.test_hazard_detail import choose, field
from tests.world import jpeg

STATION = "station.cz1"  # township 450202901
OTHER_STATION = "station.cz2"
TOWNSHIP = "450202901"
GRID = "450202901001-001"
REPORTER = f"worker.{GRID}"
WORKERS = "worker.<grid code>"  # one password for every demo grid worker
ROWS = ".el-table__body tr.el-table__row"


def a_premises_of(db, grid: str) -> tuple[float, float, str]:
    """A demo premises of the grid: where the fire is."""
    from grids.models import Area
    from grids.premises.models import Premises

    with db() as session:
        path = session.scalar(select(Area.path).where(Area.code == grid))
        premises = session.scalars(
            select(Premises).where(Premises.area_path.startswith(path)).order_by(Premises.name)
        ).first()
        return premises.lng, premises.lat, premises.name


def metres_east(point: tuple[float, float], metres: float) -> tuple[float, float]:
    lng, lat = point
    return round(lng + metres / (111_320.0 * math.cos(math.radians(lat))), 6), round(lat, 6)


def username_of(db, user_id: str) -> str:
    from backend.identity.models import User

    with db() as session:
        return session.scalar(select(User.username).where(User.id == uuid.UUID(user_id)))


def test_the_station_follows_an_alert_live_enters_an_answer_and_closes_it(tab, api, demo, db):
    page = tab.page
    lng, lat, premises_name = a_premises_of(db, GRID)
    station = bearer(api, STATION, demo[STATION])
    micro = api.post(
        "/api/v1/fire-stations/micro",
        json={
            "name": "演示社区微型消防站",
            "kind": "micro",
            "township": TOWNSHIP,
            "lng": metres_east((lng, lat), 300)[0],
            "lat": lat,
            "contact_name": "李站长",
            "contact_phone": "13812345678",
            "duty_phone": "13700000001",
            "members_count": 6,
        },
        headers=station,
    )
    assert micro.status_code == 201, micro.text

    # A worker presses 一键报警 beside the premises.
    alert_id = str(uuid.uuid4())
    pressed = api.post(
        "/api/v1/fire-alerts",
        json={"id": alert_id, "lng": lng, "lat": lat, "accuracy_m": 15, "note": "二楼窗口冒烟"},
        headers=bearer(api, REPORTER, demo[WORKERS]),
    )
    assert pressed.status_code == 201, pressed.text
    alerted = api.get(f"/api/v1/fire-alerts/{alert_id}", headers=station).json()
    kinds = [r["kind"] for r in alerted["recipients"]]
    assert "micro_station" in kinds and "station" in kinds, kinds

    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="火警").click()
    expect(page).to_have_url(f"{tab.base_url}/console/fire-alerts")
    total = len(api.get("/api/v1/fire-alerts", headers=station).json())  # the demo's one too
    expect(page.locator("[data-test=alerts-total]")).to_have_text(f"共 {total} 起")
    row = page.locator(ROWS).first  # open ones first
    expect(row.locator("[data-test=alert-state]")).to_have_text("处置中")
    expect(row).to_contain_text("二楼窗口冒烟")
    expect(row.locator("[data-test=alert-going]")).to_have_text(
        f"{len(alerted['recipients'])} 人 / 0 人"
    )
    page.evaluate("window.scrollTo(0, 0)")
    tab.screenshot("fire-alerts")

    row.click()
    expect(page).to_have_url(f"{tab.base_url}/console/fire-alerts/{alert_id}")
    expect(page.locator("[data-test=alert-detail-state]")).to_have_text("处置中")
    expect(page.locator("[data-test=alert-live]")).to_contain_text("自动刷新")
    expect(page.locator("[data-test=alert-grid]")).to_contain_text(GRID)
    expect(page.locator("[data-test=alert-nearby]")).to_contain_text(premises_name)
    names = page.locator("[data-test=recipient-table] [data-test=recipient-name]")
    expect(names).to_have_text([r["name"] for r in alerted["recipients"]])  # nearest first
    expect(page.locator("[data-test=recipient-kind]")).to_contain_text(["微型消防站"])
    answers = page.locator("[data-test=recipient-table] [data-test=recipient-answer]")
    expect(answers.first).to_have_text("未答复")

    # A nearby worker answers on the phone: the open page shows it, not reloaded.
    worker = next(r for r in alerted["recipients"] if r["kind"] == "worker")
    at = [r["id"] for r in alerted["recipients"]].index(worker["id"])
    username = username_of(db, worker["user_id"])
    went = api.post(
        f"/api/v1/fire-alerts/{alert_id}/ack",
        json={"going": True, "eta_minutes": 4},
        headers=bearer(api, username, demo[WORKERS]),
    )
    assert went.status_code == 200, went.text
    page.evaluate("window.__notReloaded = true")
    expect(answers.nth(at)).to_have_text("前往 约 4 分钟到达", timeout=20_000)
    expect(page.locator("[data-test=alert-summary]")).to_contain_text("前往 1 个")
    assert page.evaluate("window.__notReloaded") is True

    # The reporter sends a photo of the fire after the press: the open page shows it too.
    sent = api.post(
        f"/api/v1/fire-alerts/{alert_id}/photos",
        content=jpeg(800, 600, gps=(lng, lat)),
        headers={**bearer(api, REPORTER, demo[WORKERS]), "Content-Type": "image/jpeg"},
    )
    assert sent.status_code == 201, sent.text
    thumb = page.locator("[data-test=alert-photos] [data-test=alert-photo] img")
    expect(thumb).to_have_count(1, timeout=20_000)
    expect(thumb).to_have_js_property("naturalWidth", 320)
    thumb.click()
    expect(page.locator("[data-test=alert-photo-viewer] img")).to_have_js_property(
        "naturalWidth", 800
    )
    page.keyboard.press("Escape")
    expect(page.locator("[data-test=alert-photo-viewer] img")).to_be_hidden()

    # The micro station said on the phone it is coming: the station enters it.
    micro_at = [r["kind"] for r in alerted["recipients"]].index("micro_station")
    page.locator("[data-test=recipient-table] .el-table__body tr.el-table__row").nth(
        micro_at
    ).locator("[data-test=recipient-enter-answer]").click()
    dialog = page.locator("[data-test=answer-dialog]")
    expect(dialog).to_be_visible()
    field(dialog, "answer-eta").fill("6")
    dialog.locator("[data-test=answer-submit]").click()
    expect(dialog).to_be_hidden()
    expect(answers.nth(micro_at)).to_have_text("前往 约 6 分钟到达")
    expect(page.locator("[data-test=alert-summary]")).to_contain_text("前往 2 个")
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    page.evaluate("window.scrollTo(0, 0)")
    tab.screenshot("fire-alert-live")

    # Closed: 已处置, and the page stops asking.
    page.locator("[data-test=alert-close]").click()
    closing = page.locator("[data-test=close-dialog]")
    expect(closing).to_be_visible()
    field(closing, "close-note").fill("已扑灭，无人员伤亡")
    tab.screenshot("fire-alert-close")
    closing.locator("[data-test=close-submit]").click()
    expect(closing).to_be_hidden()
    expect(page.locator("[data-test=alert-detail-state]")).to_have_text("已处置")
    expect(page.locator("[data-test=alert-closed]")).to_contain_text("已扑灭，无人员伤亡")
    expect(page.locator("[data-test=alert-live]")).to_have_count(0)
    seen = api.get(f"/api/v1/fire-alerts/{alert_id}", headers=station).json()
    assert seen["state"] == "closed" and seen["going_count"] == 2
    by_id = {r["id"]: r for r in seen["recipients"]}
    assert by_id[alerted["recipients"][micro_at]["id"]]["ack_channel"] == "staff"
    assert by_id[worker["id"]]["ack_channel"] == "app"

    # 记录火灾事故: the incident form, with the alert's point, recorded from the alert.
    before = len(api.get("/api/v1/fire-incidents", headers=station).json())  # the demo's
    page.locator("[data-test=alert-record-incident]").click()
    expect(page).to_have_url(f"{tab.base_url}/console/fire-incidents?alert_id={alert_id}")
    form = page.locator("[data-test=incident-dialog]")
    expect(form.locator("[data-test=incident-from-alert]")).to_be_visible()
    expect(field(form, "incident-lng")).to_have_value(f"{lng:.6f}")
    field(form, "incident-address").fill("城中区演示路8号二楼")
    choose(page, "incident-cause-choice", "电气火灾")
    form.locator("[data-test=incident-submit]").click()
    expect(form).to_be_hidden()
    expect(page.locator("[data-test=incidents-total]")).to_have_text(f"共 {before + 1} 起")
    [incident] = [
        i
        for i in api.get("/api/v1/fire-incidents", headers=station).json()
        if i["alert_id"] == alert_id
    ]
    assert incident["source"] == "alert"

    # Another township's station sees none of it.
    other = bearer(api, OTHER_STATION, demo[OTHER_STATION])
    assert api.get("/api/v1/fire-alerts", headers=other).json() == []
    assert api.get(f"/api/v1/fire-alerts/{alert_id}", headers=other).status_code == 404


def test_a_station_registers_a_micro_station_and_sets_it_off_duty_and_back(tab, api, demo, db):
    page = tab.page
    lng, lat, _ = a_premises_of(db, f"{TOWNSHIP}002-001")
    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="微型消防站").click()
    expect(page).to_have_url(f"{tab.base_url}/console/fire-stations")
    expect(page.locator(ROWS)).not_to_have_count(0)  # the demo's stations, loaded: then count
    before = int(page.locator("[data-test=stations-total]").inner_text().split()[1])

    page.locator("[data-test=station-new]").click()
    dialog = page.locator("[data-test=station-dialog]")
    expect(dialog).to_be_visible()
    field(dialog, "station-name-input").fill("演示二村志愿消防队")
    dialog.locator("[data-test=station-kind]").get_by_text("志愿消防队").click()
    field(dialog, "station-lng").fill(f"{lng:.6f}")
    field(dialog, "station-lat").fill(f"{lat:.6f}")
    field(dialog, "station-contact-name").fill("王队长")
    field(dialog, "station-contact-phone-input").fill("13912345678")
    field(dialog, "station-duty-phone").fill("13712345678")
    field(dialog, "station-members").fill("12")
    tab.screenshot("fire-station-form")
    dialog.locator("[data-test=station-submit]").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-test=stations-total]")).to_have_text(f"共 {before + 1} 个")
    row = page.locator(ROWS, has_text="演示二村志愿消防队")
    expect(row).to_contain_text("志愿消防队")
    expect(row).to_contain_text("13912345678")  # in clear for those who manage the register

    # Off duty (收队), then back.
    duty = row.locator("[data-test=station-duty]")
    duty.click()
    expect(duty).not_to_have_class("is-checked")
    station = bearer(api, STATION, demo[STATION])

    def on_duty() -> bool:
        found = api.get("/api/v1/fire-stations/micro", headers=station).json()
        return next(s for s in found if s["name"] == "演示二村志愿消防队")["on_duty"]

    expect(page.locator(".el-message--success", has_text="已收队")).to_be_visible()
    assert on_duty() is False
    choose(page, "stations-on-duty", "收队")
    page.locator("[data-test=stations-search]").click()
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    expect(page.locator(".el-loading-mask:visible")).to_have_count(0)
    page.evaluate("window.scrollTo(0, 0)")
    tab.screenshot("fire-stations")
    page.locator(ROWS).first.locator("[data-test=station-duty]").click()
    expect(page.locator(".el-message--success", has_text="已在岗")).to_be_visible()
    assert on_duty() is True
