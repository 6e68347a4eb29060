"""消息 in Chromium: a station user sees the unread count beside 消息, opens the inbox, finds what
was escalated to them under 紧急与督办, clicks it and lands on the hazard; marks all read and the
count goes. Browser notifications: the service worker registers at /console/ and shows a push
dispatched to it (through the DevTools protocol, as a push service would); the switch
开启浏览器通知 says in Chinese why subscribing failed (Chromium's push service is Google's,
unreachable here), and is hidden, with a sentence saying why, while the server has no Web Push."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.console.conftest import VIEWPORT, Page
from tests.console.test_console import STATION, TOWNSHIP, bearer, only_firegrid, sign_in

BADGE = "[data-test=unread-badge] .el-badge__content"
ROWS = "[data-test=inbox-table] .el-table__body tr.el-table__row"
LOADING = "[data-test=inbox-table] .el-loading-mask"


def escalate_to(db, username: str) -> tuple[str, str]:
    """An overdue hazard of the township moved up to `username`, told as the sweep tells it
    (hazards/scheduled.py): a push with the hazard's id; its id and description."""
    from sqlalchemy import select

    from backend.identity.models import User
    from backend.notify import service
    from grids.models import Area
    from hazards.models import Hazard

    with db() as session:
        user = session.scalar(select(User).where(User.username == username))
        hazard = session.scalar(
            select(Hazard)
            .join(Area, Area.id == Hazard.area_id)
            .where(Area.code.like(f"{TOWNSHIP}%"), Hazard.is_open.is_(True))
            .order_by(Hazard.reported_at)
        )
        service.push(
            session,
            [user.id],
            "隐患超期升级：请督促整改",
            f"{hazard.description}（已超过本级期限，升至消防工作站）",
            {"hazard_id": str(hazard.id), "kind": "hazard.escalated", "state": hazard.state},
        )
        return str(hazard.id), hazard.description


def unread_count(api, headers) -> int:
    answer = api.get("/api/v1/notifications", params={"limit": 1}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["unread_count"]


def test_a_station_opens_what_was_escalated_to_it_and_marks_all_read(tab, api, db, demo):
    page = tab.page
    hazard_id, description = escalate_to(db, STATION)
    headers = bearer(api, STATION, demo[STATION])
    unread = unread_count(api, headers)
    assert unread >= 2  # the escalation, and the demo's complaint waiting in triage

    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    expect(page).to_have_url(f"{tab.base_url}/console/hazards")
    # The unread count beside 消息, on every screen.
    expect(page.locator(BADGE)).to_have_text(str(unread))
    expect(page.locator(".el-menu-item", has_text="消息")).to_have_text(re.compile(r"^消息\s*\d+$"))

    page.locator(".el-menu-item", has_text="消息").click()
    expect(page).to_have_url(f"{tab.base_url}/console/notifications")
    rows = page.locator(ROWS)
    expect(rows).to_have_count(unread)
    expect(rows.first).to_contain_text("隐患超期升级：请督促整改")
    expect(rows.first).to_contain_text("未读")
    expect(rows.first).to_contain_text("隐患超期升级")  # its kind, in Chinese
    # This server has no Web Push: no switch, and a sentence saying so.
    expect(page.locator("[data-test=webpush-off]")).to_have_text(
        "服务器未开启浏览器通知（Web Push），新消息请在本页查看"
    )
    expect(page.locator("[data-test=webpush-switch]")).to_have_count(0)
    expect(page.locator(LOADING)).to_be_hidden()
    tab.screenshot("inbox")

    # 紧急与督办: only what is urgent for the station: the escalation, newest first, and the
    # demo's fire alert and alarm.
    urgent = api.get("/api/v1/notifications", params={"urgent": "true"}, headers=headers).json()
    assert {"hazard_escalated", "fire_alert", "alarm_feed"} == {n["kind"] for n in urgent["items"]}
    page.get_by_role("tab", name=re.compile("紧急与督办")).click()
    expect(rows).to_have_count(urgent["total"])
    expect(rows.first).to_contain_text(description)
    fire = rows.filter(has_text="火警：附近发生火情")
    expect(fire.locator(".el-tag")).to_have_text(["未读", "火警"])  # its kind, in Chinese
    expect(fire.get_by_role("button", name="查看火警")).to_be_visible()
    expect(page.locator(LOADING)).to_be_hidden()
    tab.screenshot("inbox-escalated")

    page.locator("[data-test=open-subject]", has_text="隐患超期升级：请督促整改").click()
    expect(page).to_have_url(f"{tab.base_url}/console/hazards/{hazard_id}")
    expect(page.get_by_text(description).first).to_be_visible()
    expect(page.locator(BADGE)).to_have_text(str(unread - 1))  # reading it read it
    assert unread_count(api, headers) == unread - 1

    page.locator(".el-menu-item", has_text="消息").click()
    expect(rows).to_have_count(unread)
    page.locator("[data-test=read-all]").click()
    expect(page.get_by_text(f"已将 {unread - 1} 条消息标为已读")).to_be_visible()
    expect(page.locator("[data-test=unread-badge]")).to_have_count(0)
    expect(rows.filter(has_text="未读")).to_have_count(0)
    assert unread_count(api, headers) == 0
    tab.screenshot("inbox-all-read")
    only_firegrid(tab)


@pytest.fixture(scope="module")
def webpush_server(demo) -> Iterator[str]:
    """A firegrid with Web Push on (a VAPID key of its own), over the same database."""
    from pydantic import SecretStr

    from backend.app import create_app
    from backend.core.settings import get_settings
    from backend.identity import dependencies
    from tests.backend.notify.conftest import new_vapid_private_key
    from tests.conftest import serving

    settings = get_settings().model_copy(
        update={
            "vapid_private_key": SecretStr(new_vapid_private_key()),
            "vapid_subject": "mailto:ops@example.gov.cn",
        }
    )
    app = create_app(settings)
    app.dependency_overrides[dependencies._settings] = lambda: settings
    with serving(app, settings) as url:
        yield url


@pytest.fixture
def push_tab(browser, webpush_server, console_built) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="UTC")
    context.set_default_timeout(15_000)
    context.grant_permissions(["notifications"], origin=webpush_server)
    try:
        yield Page(context, webpush_server)
    finally:
        context.close()


def test_the_service_worker_shows_a_push_and_a_failed_subscription_is_told_in_chinese(
    push_tab, db, demo
):
    tab, page = push_tab, push_tab.page
    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    page.locator(".el-menu-item", has_text="消息").click()
    expect(page).to_have_url(f"{tab.base_url}/console/notifications")

    # The service worker is registered for the console, from the console.
    registered = page.evaluate(
        """async () => {
          const registration = await navigator.serviceWorker.ready
          return {scope: registration.scope, script: registration.active.scriptURL}
        }"""
    )
    assert registered == {
        "scope": f"{tab.base_url}/console/",
        "script": f"{tab.base_url}/console/sw.js",
    }

    # 开启浏览器通知: permission granted, but Chromium's push service cannot be reached.
    switch = page.locator("[data-test=webpush-switch]")
    expect(switch).to_be_visible()
    expect(switch).to_contain_text("开启浏览器通知")
    switch.locator(".el-switch__core").click()
    problem = page.locator("[data-test=webpush-problem]")
    expect(problem).to_contain_text("订阅失败：浏览器的推送服务无法连接", timeout=30_000)
    expect(switch.locator("input")).not_to_be_checked()
    tab.screenshot("inbox-webpush-failed")

    # A push as a push service delivers it (DevTools' ServiceWorker.deliverPushMessage): the
    # worker shows it as a notification that opens the hazard.
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    console_scope = f"{tab.base_url}/console/"
    for _ in range(150):  # the registration comes as an event: wait for it, up to 15 s
        if any(r["scopeURL"] == console_scope for r in registrations):
            break
        page.wait_for_timeout(100)
    (registration, *_) = [r for r in registrations if r["scopeURL"] == console_scope]
    hazard_id = str(uuid.uuid4())
    shown: list = []
    for _ in range(3):  # a push service delivers again when the worker was not awake for it
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": tab.base_url,
                "registrationId": registration["registrationId"],
                "data": json.dumps(
                    {
                        "title": "隐患超期升级：请督促整改",
                        "body": "已超过本级期限，升至消防工作站",
                        "data": {"hazard_id": hazard_id, "kind": "hazard.escalated"},
                    },
                    ensure_ascii=False,
                ),
            },
        )
        shown = page.evaluate(
            """async () => {
              const registration = await navigator.serviceWorker.ready
              for (let i = 0; i < 100; i++) {  // up to 10 s
                const shown = await registration.getNotifications()
                if (shown.length) return shown.map((n) => ({title: n.title, body: n.body, data: n.data}))
                await new Promise((resolve) => setTimeout(resolve, 100))
              }
              return []
            }"""
        )
        if shown:
            break
    expected = {
        "title": "隐患超期升级：请督促整改",
        "body": "已超过本级期限，升至消防工作站",
        "data": {"url": f"/console/hazards/{hazard_id}"},
    }
    assert shown and all(n == expected for n in shown), shown  # a late first one is the same
    only_firegrid(tab)
