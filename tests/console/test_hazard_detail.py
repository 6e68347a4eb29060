"""A hazard from the queue to its page and through a step: a station officer filters the queue
down to an overdue hazard, opens it, reads in its timeline who reported it, by name, orders
rectification with the form the API's `step_needs` asks for (双人执法: it waits for a second
certified officer, and the page says so), the county brigade's certified officer approves it
too, the state changes and the timeline shows both approvals and both officers' names; the
dispatcher, who sees the hazard but may take no step and see no people, sees no button and no
name. Photos load with the bearer token."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from playwright.sync_api import expect

from tests.console.test_area_picker import pick_area
from tests.console.test_console import bearer, only_firegrid, sign_in

STATION = "station.cz1"  # certified, township 450202901
BRIGADE = "brigade.chengzhong"  # certified, the county 450202 above it
DISPATCHER = "dispatch.chengzhong"  # sees the county's hazards, takes no step
TOWNSHIP = "450202901"
ROWS = ".el-table__body tr.el-table__row"


def overdue_hazard(db) -> str:
    """A confirmed demo hazard at a premises of the township, made overdue at its level."""
    from sqlalchemy import select

    from backend.core.db import utcnow
    from grids.models import Area
    from hazards.models import Hazard

    with db() as session:
        township = session.scalar(select(Area.path).where(Area.code == TOWNSHIP))
        hazard = session.scalars(
            select(Hazard)
            .where(
                Hazard.state == "confirmed",
                Hazard.area_path.startswith(township),
                Hazard.premises_id.is_not(None),
            )
            .order_by(Hazard.reported_at)
        ).first()
        assert hazard is not None, "the demo confirms every other hazard"
        hazard.level_due_at = utcnow() - timedelta(days=1)
        return str(hazard.id)


def demo_name(db, username: str) -> str:
    from sqlalchemy import select

    from backend.identity.models import User

    with db() as session:
        return session.scalar(select(User.display_name).where(User.username == username))


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 60, 40)).save(out, format="PNG")
    return out.getvalue()


def field(where, test: str):
    """The input or textarea of an Element Plus field (its data-test lands on it or around it)."""
    return where.locator(
        f"input[data-test={test}], textarea[data-test={test}], "
        f"[data-test={test}] input, [data-test={test}] textarea"
    ).first


def choose(page, select_test: str, option: str) -> None:
    page.locator(f"[data-test={select_test}]").click()
    page.locator(".el-select-dropdown__item:visible", has_text=option).click()


def test_an_officer_orders_rectification_a_second_approves_and_others_see_no_button(
    tab, browser, live_server, api, demo, db
):
    from tests.console.conftest import VIEWPORT, Page

    hazard_id = overdue_hazard(db)
    station = bearer(api, STATION, demo[STATION])
    added = api.post(
        f"/api/v1/hazards/{hazard_id}/photos",
        content=png(),
        headers={**station, "Content-Type": "image/png"},
    )
    assert added.status_code == 201, added.text
    seen = api.get(f"/api/v1/hazards/{hazard_id}", headers=station).json()
    assert seen["overdue"] and "order_rectification" in seen["next_actions"]
    assert seen["step_needs"]["order_rectification"] == {
        "fields": ["deadline_working_days"],
        "approvers": 2,
    }
    steps = api.get(f"/api/v1/hazards/{hazard_id}/timeline", headers=station).json()
    assert [s["action"] for s in steps] == [
        "hazard.reported",
        "hazard.confirm",
        "hazard.photo_added",
    ]
    worker = steps[0]["actor_name"]  # the demo's grid worker reported and confirmed it
    assert worker and steps[1]["actor_name"] == worker
    assert steps[2]["actor_name"] == demo_name(db, STATION)

    # The queue, filtered to what is overdue and confirmed in the township.
    page = tab.page
    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    expect(page).to_have_url(f"{tab.base_url}/console/hazards")
    expect(page.locator(ROWS).first).to_be_visible()
    choose(page, "filter-state", "已确认")
    choose(page, "filter-overdue", "已超期")
    pick_area(page, "filter-area", "城中演示街道一")  # the township, by name
    with page.expect_response(
        lambda r: "/api/v1/hazards?" in r.url and "overdue=true" in r.url
    ) as got:
        page.locator("[data-test=filter-apply]").click()
    answer = got.value
    assert "state=confirmed" in answer.url and f"area={TOWNSHIP}" in answer.url
    total = int(answer.headers["x-total-count"])
    expected = api.get(
        "/api/v1/hazards",
        params={"state": "confirmed", "overdue": "true", "area": TOWNSHIP},
        headers=station,
    )
    assert total == int(expected.headers["x-total-count"]) == 1
    expect(page.locator("[data-test=hazard-total]")).to_have_text("共 1 条")
    rows = page.locator(ROWS)
    expect(rows).to_have_count(1)
    cells = [c.strip() for c in rows.first.locator("td").all_inner_texts()]
    assert cells[1].splitlines()[-1] == seen["description"]
    assert cells[2] == "已确认"
    assert "超期" in cells[5]
    assert cells[6] == seen["premises_name"]
    assert cells[7] == seen["area_name"]
    assert cells[8] == seen["handler_name"]
    tab.screenshot("hazards-filtered")

    # Sorting asks the API: newest first.
    with page.expect_response(lambda r: "sort=-reported_at" in r.url):
        page.locator("th", has_text="上报时间").locator(".sort-caret.descending").click()

    # The row opens the hazard's page: facts, the photo (fetched with the token), the map,
    # the timeline and exactly the steps the API offers this officer.
    rows.first.click()
    expect(page).to_have_url(f"{tab.base_url}/console/hazards/{hazard_id}")
    facts = page.locator("[data-test=hazard-facts]")
    expect(facts).to_contain_text(seen["premises_name"])
    expect(facts).to_contain_text(seen["area_name"])
    expect(facts).to_contain_text("一般隐患")
    expect(page.locator("[data-test=hazard-overdue]")).to_be_visible()
    expect(page.locator("[data-test=photo] img")).to_have_count(1)
    expect(page.locator("[data-test=hazard-map] canvas")).to_have_count(1)
    buttons = page.locator("[data-test=next-actions] button")
    expect(buttons).to_have_count(len(seen["next_actions"]))
    assert sorted(b.get_attribute("data-action") for b in buttons.all()) == sorted(
        seen["next_actions"]
    )
    actors = page.locator("[data-test=hazard-timeline] [data-test=timeline-actor]")
    expect(actors).to_have_text(
        [f"网格员 {worker}", f"网格员 {worker}", f"乡镇消防工作站 {demo_name(db, STATION)}"]
    )
    expect(page.locator("[data-test=hazard-timeline]")).to_contain_text("确认")
    tab.screenshot("hazard-detail")

    # The public copy opens large; the original too, for the station of the area.
    page.locator("[data-test=photo] img").click()
    viewer = page.locator(".el-dialog", has_text="照片")
    expect(viewer.locator("img")).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/original")) as original:
        viewer.get_by_role("button", name="查看原图").click()
    assert original.value.status == 200
    viewer.locator(".el-dialog__headerbtn").click()
    expect(viewer).to_be_hidden()

    # 责令整改: the form asks for what step_needs says, the deadline in working days, and says
    # two officers must approve; the step waits for a second.
    page.locator("[data-action=order_rectification]").click()
    dialog = page.locator(".el-dialog", has_text="整改期限")
    expect(dialog).to_be_visible()
    expect(field(dialog, "field-deadline")).to_be_visible()
    for other in ("field-listing-level", "field-duplicate-of", "field-criteria"):
        expect(dialog.locator(f"[data-test={other}]")).to_have_count(0)
    expect(dialog.locator("[data-test=action-approvers]")).to_contain_text(
        "执法步骤需 2 名持证执法人员分别审批后生效"
    )
    field(dialog, "field-deadline").fill("15")
    field(dialog, "field-note").fill("疏散通道堆放杂物，限期清理")
    page.wait_for_timeout(500)  # the dialog's opening animation, for the screenshot
    tab.screenshot("hazard-action-form")
    with page.expect_response(lambda r: r.url.endswith("/actions")) as acted:
        dialog.locator("[data-test=action-submit]").click()
    assert acted.value.status == 202
    sent = json.loads(acted.value.request.post_data)
    assert sent == {
        "action": "order_rectification",
        "version": seen["version"],
        "note": "疏散通道堆放杂物，限期清理",
        "deadline_working_days": 15,
    }
    expect(page.locator("[data-test=pending-approval]")).to_contain_text("已有 1/2 人审批")
    expect(page.locator("[data-test=pending-approval]")).to_contain_text("您已审批")
    expect(page.locator("[data-action=order_rectification]")).to_have_count(0)
    expect(page.locator("[data-test=hazard-state]")).to_have_text("已确认")
    expect(page.locator(".el-loading-mask:visible")).to_have_count(0)
    tab.screenshot("hazard-waiting")
    only_firegrid(tab)

    # The county brigade's certified officer approves the same step: it applies.
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="UTC")
    context.set_default_timeout(15_000)
    try:
        second = Page(context, live_server)
        second.goto(f"/console/hazards/{hazard_id}")
        sign_in(second, BRIGADE, demo[BRIGADE])
        expect(second.page).to_have_url(f"{live_server}/console/hazards/{hazard_id}")
        expect(second.page.locator("[data-test=pending-approval]")).to_contain_text(
            "已有 1/2 人审批"
        )
        second.page.locator("[data-action=order_rectification]").click()
        form = second.page.locator(".el-dialog", has_text="整改期限")
        field(form, "field-deadline").fill("15")
        with second.page.expect_response(lambda r: r.url.endswith("/actions")) as acted:
            form.locator("[data-test=action-submit]").click()
        assert acted.value.status == 200
        expect(second.page.locator("[data-test=hazard-state]")).to_have_text("责令整改")
        expect(second.page.locator("[data-test=pending-approval]")).to_have_count(0)
        timeline = second.page.locator("[data-test=hazard-timeline]")
        expect(timeline).to_contain_text(f"网格员 {worker}")
        expect(timeline).to_contain_text(f"乡镇消防工作站 {demo_name(db, STATION)}")
        expect(timeline).to_contain_text(f"县级消防救援大队 {demo_name(db, BRIGADE)}")
        expect(timeline).to_contain_text("责令整改：已有 1/2 人审批")
        expect(timeline).to_contain_text("责令整改：已有 2/2 人审批")
        expect(timeline).to_contain_text("整改期限 15 个工作日")
        timeline.scroll_into_view_if_needed()
        second.screenshot("hazard-ordered")
        only_firegrid(second)
    finally:
        context.close()

    done = api.get(f"/api/v1/hazards/{hazard_id}", headers=station).json()
    assert done["state"] == "rectification_ordered"
    assert done["rectification_deadline"] is not None

    # The dispatcher sees the hazard and no button: they take no step.
    page.get_by_role("button", name="退出登录").click()
    tab.goto(f"/console/hazards/{hazard_id}")
    sign_in(tab, DISPATCHER, demo[DISPATCHER])
    expect(page).to_have_url(f"{tab.base_url}/console/hazards/{hazard_id}")
    expect(page.locator("[data-test=no-actions]")).to_have_text("您当前没有可办理的操作")
    expect(page.locator("[data-test=next-actions] button")).to_have_count(0)
    # Nor names: the timeline shows roles only to those who may not see people.
    actors = page.locator("[data-test=hazard-timeline] [data-test=timeline-actor]")
    expect(actors.first).to_have_text("网格员")
    expect(page.locator("[data-test=hazard-timeline]")).not_to_contain_text(worker)
    assert (
        api.get(
            f"/api/v1/hazards/{hazard_id}", headers=bearer(api, DISPATCHER, demo[DISPATCHER])
        ).json()["next_actions"]
        == []
    )
    only_firegrid(tab)
