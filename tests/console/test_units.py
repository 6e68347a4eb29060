"""The unit record 单位档案 and its queues in the console, on a seeded chain: the township
station registers the company behind a demo premises and names its 消防安全责任人 (phone not yet
verified); a hazard there is ordered fixed by two certified officers (a numbered notice is
issued), the unit asks for more time through its link, the station refers the unit to market
regulation. In the browser the station finds the unit and reads its record (persons masked,
hazards, the notice with its hash), serves the notice on paper with a photo of the receipt,
grants the extension for fewer days than asked, enters the department's paper reply and records
a 约谈 with the county brigade's officer as the second, then uploads its signed record. Another
township's station sees none of it, and each role's menu shows only the queues it may use."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from backend.core.localtime import LOCAL_TIME
from tests.console.test_console import bearer, sign_in
from tests.console.test_hazard_detail import choose, field, png
from tests.world import USCC_A, USCC_B

STATION = "station.cz1"  # certified, township 450202901
OTHER_STATION = "station.cz2"  # township 450202902
BRIGADE = "brigade.chengzhong"  # certified, the county above
LEADER = "leader.cz1-1"
DISPATCHER = "dispatch.chengzhong"
TOWNSHIP, OTHER_TOWNSHIP = "450202901", "450202902"
UNIT_NAME = "演示幸福餐饮有限公司"
ROWS = ".el-table__body tr.el-table__row"


def confirmed_hazard_at_premises(db, township: str) -> tuple[str, str]:
    """A confirmed demo hazard at a premises of the township that runs under no unit yet (the
    demo's own company runs two): (hazard id, premises id)."""
    from sqlalchemy import select

    from grids.models import Area
    from grids.premises.models import Premises
    from hazards.models import Hazard

    with db() as session:
        path = session.scalar(select(Area.path).where(Area.code == township))
        hazard = session.scalars(
            select(Hazard)
            .join(Premises, Premises.id == Hazard.premises_id)
            .where(
                Premises.unit_id.is_(None),
                Hazard.state == "confirmed",
                Hazard.area_path.startswith(path),
                Hazard.premises_id.is_not(None),
            )
            .order_by(Hazard.reported_at)
        ).first()
        assert hazard is not None, "the demo confirms every other hazard"
        return str(hazard.id), str(hazard.premises_id)


def a_premises_of(db, township: str) -> str:
    from sqlalchemy import select

    from grids.models import Area
    from grids.premises.models import Premises

    with db() as session:
        path = session.scalar(select(Area.path).where(Area.code == township))
        return str(
            session.scalars(
                select(Premises.id).where(Premises.area_path.startswith(path)).order_by(Premises.id)
            ).first()
        )


def ask_for_more_time(db, hazard_id: str, days: int, reason: str) -> None:
    """The unit's request, as its link's page sends it (hazards.extensions.ask as the county's
    unit-link client): the link itself needs SMS, which this console test does not run."""
    from hazards import extensions
    from hazards.models import Hazard
    from notices.unitlink.client import unit_client

    with db() as session:
        hazard = session.get(Hazard, uuid.UUID(hazard_id))
        extensions.ask(session, unit_client(session, hazard.area_path), hazard, reason, days)


@pytest.fixture(scope="module")
def chain(live_server, demo) -> dict:
    """The seeded chain, once for the module (the demo is loaded once per module too)."""
    import httpx

    from backend.core.db import session_scope

    with httpx.Client(base_url=live_server, timeout=30) as api:
        return seed(api, session_scope, demo)


def seed(api, db, demo) -> dict:
    station = bearer(api, STATION, demo[STATION])
    brigade = bearer(api, BRIGADE, demo[BRIGADE])
    hazard_id, premises_id = confirmed_hazard_at_premises(db, TOWNSHIP)
    unit = api.post(
        "/api/v1/units",
        json={"name": UNIT_NAME, "uscc": USCC_B, "premises_ids": [premises_id]},
        headers=station,
    )
    assert unit.status_code == 201, unit.text
    unit_id = unit.json()["id"]
    person = api.put(
        f"/api/v1/units/{unit_id}/persons/responsible",
        json={"name": "张三", "phone": "13912345678"},
        headers=station,
    )
    assert person.status_code == 200, person.text
    for headers, status in ((station, 202), (brigade, 200)):
        ordered = api.post(
            f"/api/v1/hazards/{hazard_id}/actions",
            json={
                "action": "order_rectification",
                "deadline_working_days": 10,
                "period_days": 15,
                "note": "疏散通道堆放杂物",
            },
            headers=headers,
        )
        assert ordered.status_code == status, ordered.text
    [notice] = api.get(f"/api/v1/hazards/{hazard_id}/notices", headers=station).json()
    ask_for_more_time(db, hazard_id, 14, "货架需要定制，两周后到货")
    referral = api.post(
        "/api/v1/referrals",
        json={
            "kind": "transfer",
            "department": "market",
            "unit_id": unit_id,
            "hazard_id": hazard_id,
            "finding": "无营业执照经营餐饮",
            "legal_basis": "《无证无照经营查处办法》第二条",
        },
        headers=station,
    )
    assert referral.status_code == 201, referral.text
    # Another township's unit, which the first station must never see.
    other = api.post(
        "/api/v1/units",
        json={
            "name": "演示平安五金有限公司",
            "uscc": USCC_A,
            "premises_ids": [a_premises_of(db, OTHER_TOWNSHIP)],
        },
        headers=bearer(api, OTHER_STATION, demo[OTHER_STATION]),
    )
    assert other.status_code == 201, other.text
    return {
        "station": station,
        "unit_id": unit_id,
        "hazard_id": hazard_id,
        "premises_id": premises_id,
        "notice": notice,
        "referral_id": referral.json()["id"],
        "other_unit_id": other.json()["id"],
    }


def test_a_station_reads_a_units_record_and_works_its_queues(tab, api, demo, chain):
    station, unit_id, notice = chain["station"], chain["unit_id"], chain["notice"]
    page = tab.page
    tab.goto("/console/units")
    sign_in(tab, STATION, demo[STATION])
    expect(page).to_have_url(f"{tab.base_url}/console/units")

    # 单位档案: the township's units (the demo's company and ours), never the other township's;
    # ours found by part of its name.
    rows = page.locator(ROWS)
    expect(rows).to_have_count(2)
    expect(page.locator("[data-test=units-table]")).to_contain_text(UNIT_NAME)
    expect(page.locator("[data-test=units-table]")).to_contain_text("演示餐饮管理有限公司")
    expect(page.locator("[data-test=units-table]")).not_to_contain_text("平安五金")
    field(page, "units-q").fill("幸福")
    with page.expect_response(lambda r: "/api/v1/units?" in r.url and "q=" in r.url):
        page.locator("[data-test=units-search]").click()
    expect(page.locator("[data-test=units-total]")).to_have_text("共 1 个单位")
    tab.screenshot("units-list")

    # The record: facts, the responsible person with the phone masked and not verified.
    rows.first.click()
    expect(page).to_have_url(f"{tab.base_url}/console/units/{unit_id}")
    expect(page.locator("[data-test=unit-facts]")).to_contain_text(USCC_B)
    persons = page.locator("[data-test=unit-persons]")
    expect(persons.locator("[data-test=person-name]").first).to_have_text("张三")
    expect(persons.locator("[data-test=person-phone]").first).to_have_text("139****5678")
    expect(persons.locator("[data-test=person-unverified]")).to_have_count(1)
    expect(page.locator("[data-test=unit-premises]")).to_contain_text(
        api.get(f"/api/v1/premises/{chain['premises_id']}", headers=station).json()["name"]
    )
    tab.screenshot("unit-record")

    # Its hazards, and its notice with number, kind and hash.
    page.get_by_role("tab", name="隐患").click()
    expect(page.locator("[data-test=unit-hazard-state]").first).to_have_text("责令整改")
    page.get_by_role("tab", name="执法文书").click()
    numbers = page.locator("[data-test=notice-table] [data-test=notice-number]")
    expect(numbers).to_have_text([notice["number"]])
    expect(page.locator("[data-test=notice-sha256]").first).to_have_text(
        notice["pdf_sha256"][:12] + "…"
    )
    expect(page.locator("[data-test=notice-state]").first).to_have_text("待送达")
    with page.expect_download() as got:
        page.locator("[data-test=notice-pdf]").first.click()
    assert got.value.suggested_filename == notice["file_name"]
    tab.screenshot("unit-notices")
    page.get_by_role("tab", name="抄告移送").click()
    expect(page.locator("[data-test=referral-table] [data-test=referral-state]")).to_have_text(
        ["待回复"]
    )

    # 告知承诺 (kept per premises): none signed by this unit.
    page.get_by_role("tab", name="告知承诺").click()
    expect(page.locator("[data-test=unit-commitments]")).to_contain_text("暂无告知承诺")

    # 待送达: the notice waits; served on paper with a photo of the signed receipt.
    page.locator(".el-menu-item", has_text="待送达").click()
    expect(page).to_have_url(f"{tab.base_url}/console/notices")
    # Ours and the demo's company's, the longest waiting (the demo's) first.
    numbers = page.locator("[data-test=notice-table] [data-test=notice-number]")
    expect(numbers).to_have_count(2)
    expect(numbers.nth(1)).to_have_text(notice["number"])
    expect(page.locator("[data-test=notices-total]")).to_have_text("共 2 份")
    ours = page.locator(ROWS, has_text=notice["number"])
    ours.locator("[data-test=notice-serve-paper]").click()
    dialog = page.locator("[data-test=serve-dialog]")
    dialog.locator("[data-test=serve-file]").set_input_files(
        files=[{"name": "回执.png", "mimeType": "image/png", "buffer": png()}]
    )
    page.wait_for_timeout(300)
    tab.screenshot("notices-serve")
    with page.expect_response(lambda r: r.url.endswith("/service?method=paper")) as served:
        dialog.locator("[data-test=serve-submit]").click()
    assert served.value.status == 200, served.value.text()
    expect(page.locator("[data-test=notices-total]")).to_have_text("共 1 份")
    expect(numbers).not_to_have_text([notice["number"]])
    read = api.get(f"/api/v1/notices/{notice['id']}", headers=station).json()
    assert read["state"] == "served" and read["service"]["method"] == "paper"

    # 延期申请: the unit asked for 14 days; the station grants 7.
    page.locator(".el-menu-item", has_text="延期申请").click()
    requests = page.locator("[data-test=extensions-table] " + ROWS)
    expect(requests).to_have_count(1)
    expect(requests.first).to_contain_text("货架需要定制")
    expect(requests.first).to_contain_text("14 天")
    # The deadline is the end of its last day, shown as that day's 24:00, never the next day's.
    deadline = api.get(f"/api/v1/hazards/{chain['hazard_id']}", headers=station).json()[
        "rectification_deadline"
    ]
    last_day = (datetime.fromisoformat(deadline) - timedelta(minutes=1)).astimezone(LOCAL_TIME)
    expect(requests.first).to_contain_text(f"{last_day:%Y-%m-%d} 24:00")
    tab.screenshot("extensions")
    page.locator("[data-test=extension-grant]").click()
    decision = page.locator("[data-test=extension-dialog]")
    field(decision, "extension-days").fill("7")
    field(decision, "extension-note").fill("同意延期7日")
    with page.expect_response(lambda r: r.url.endswith("/extension-requests/decision")) as done:
        decision.locator("[data-test=extension-submit]").click()
    assert done.value.status == 200, done.value.text()
    expect(page.locator("[data-test=extensions-total]")).to_have_text("共 0 条")
    [decided] = api.get(
        f"/api/v1/hazards/{chain['hazard_id']}/extension-requests", headers=station
    ).json()
    assert (decided["state"], decided["granted_days"]) == ("granted", 7)

    # 抄告移送: the department answered on paper; the station enters its reply.
    page.locator(".el-menu-item", has_text="抄告移送").click()
    expect(page.locator("[data-test=referrals-total]")).to_have_text("共 2 条")  # and the demo's
    ours = page.locator(ROWS, has_text="无营业执照经营餐饮")
    ours.locator("[data-test=referral-enter-reply]").click()
    reply = page.locator("[data-test=referral-reply-dialog]")
    field(reply, "reply-text").fill("已立案调查，责令停业整顿")
    field(reply, "reply-by").fill("王科长")
    with page.expect_response(lambda r: r.url.endswith("/reply-entered")) as entered:
        reply.locator("[data-test=reply-submit]").click()
    assert entered.value.status == 200, entered.value.text()
    expect(ours.locator("[data-test=referral-state]")).to_have_text("已回复")
    expect(ours.locator("[data-test=referral-reply]")).to_have_text("已立案调查，责令停业整顿")
    tab.screenshot("referrals")
    answered = api.get(f"/api/v1/referrals/{chain['referral_id']}", headers=station).json()
    assert answered["state"] == "replied" and answered["reply"]["entered"] is True

    # 约谈告诫: a 约谈 with the county brigade's certified officer, then its signed record.
    page.locator(".el-menu-item", has_text="约谈告诫").click()
    page.locator("[data-test=measure-new]").click()
    form = page.locator("[data-test=measure-dialog]")
    form.locator("[data-test=measure-unit-picker]").click()
    page.locator(".el-select-dropdown__item:visible", has_text=UNIT_NAME).click()
    field(form, "measure-place").fill("城中演示街道一消防工作站会议室")
    field(form, "attendee-name").fill("李四")
    field(form, "attendee-role").fill("法定代表人")
    field(form, "measure-findings").fill("疏散通道堆放杂物，经提醒未整改")
    field(form, "measure-outcome").fill("承诺三日内清理")
    choose(page, "measure-second", "城中区消防救援大队")
    page.wait_for_timeout(300)
    tab.screenshot("measure-form")
    with page.expect_response(lambda r: r.url.endswith(f"/units/{unit_id}/measures")) as made:
        form.locator("[data-test=measure-submit]").click()
    assert made.value.status == 201, made.value.text()
    measure = made.value.json()
    assert measure["kind"] == "interview" and len(measure["officers"]) == 2
    ours = page.locator(ROWS, has_text=UNIT_NAME)
    expect(ours.locator("[data-test=measure-kind]")).to_have_text("约谈")
    expect(page.locator("[data-test=measures-total]")).to_have_text("共 2 条")  # the demo's 提醒
    ours.locator("[data-test=measure-upload]").click()
    upload = page.locator("[data-test=measure-upload-dialog]")
    upload.locator("[data-test=measure-file]").set_input_files(
        files=[{"name": "约谈笔录.png", "mimeType": "image/png", "buffer": png()}]
    )
    with page.expect_response(lambda r: r.url.endswith("/document")) as attached:
        upload.locator("[data-test=measure-upload-submit]").click()
    assert attached.value.status == 201, attached.value.text()
    expect(ours.locator("[data-test=measure-document]")).to_have_count(1)
    tab.screenshot("measures")

    # The record shows it all now, and the premises drawer leads to the unit.
    page.goto(f"{tab.base_url}/console/units/{unit_id}?tab=measures")
    expect(page.locator("[data-test=measure-table] [data-test=measure-kind]")).to_have_text(
        ["约谈"]
    )
    page.get_by_role("tab", name="执法文书").click()
    expect(page.locator("[data-test=notice-served]").first).to_contain_text("直接送达")
    page.locator(".el-menu-item", has_text="场所").click()
    field(page, "premises-q").fill(
        api.get(f"/api/v1/premises/{chain['premises_id']}", headers=station).json()["name"]
    )
    page.locator("[data-test=premises-search]").click()
    page.locator("[data-test=premises-open]").first.click()
    page.locator("[data-test=premises-unit]").click()
    expect(page).to_have_url(f"{tab.base_url}/console/units/{unit_id}")


def test_another_townships_station_sees_none_of_it_and_menus_follow_permissions(
    tab, browser, demo, chain
):
    from tests.console.conftest import VIEWPORT, Page

    page = tab.page
    tab.goto("/console/units")
    sign_in(tab, OTHER_STATION, demo[OTHER_STATION])
    expect(page).to_have_url(f"{tab.base_url}/console/units")
    expect(page.locator("[data-test=units-table]")).to_contain_text("演示平安五金有限公司")
    expect(page.locator("[data-test=units-table]")).not_to_contain_text(UNIT_NAME)
    # The first township's unit by its address: as if it did not exist.
    with page.expect_response(lambda r: f"/api/v1/units/{chain['unit_id']}" in r.url) as read:
        page.goto(f"{tab.base_url}/console/units/{chain['unit_id']}")
    assert read.value.status == 404
    expect(page.locator(".el-message--error")).to_contain_text("未找到")
    for queue, total in (("notices", "共 0 份"), ("extensions", "共 0 条")):
        page.goto(f"{tab.base_url}/console/{queue}")
        expect(page.locator(f"[data-test={queue}-total]")).to_have_text(total)
    page.goto(f"{tab.base_url}/console/referrals")
    expect(page.locator("[data-test=referrals-total]")).to_have_text("共 0 条")

    # Each role's menu: the queues it may use, no others.
    menus = {
        STATION: ["待送达", "延期申请", "约谈告诫", "抄告移送", "单位档案"],
        LEADER: ["待送达", "约谈告诫", "单位档案"],
        DISPATCHER: ["抄告移送"],
    }
    for username, shown in menus.items():
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="UTC")
        try:
            other = Page(context, tab.base_url)
            other.goto("/console/")
            sign_in(other, username, demo[username])
            expect(other.page.locator("[data-test=user-name]")).to_be_visible()
            items = [t.strip() for t in other.page.locator(".el-menu-item").all_inner_texts()]
            mine = [t for t in items if t in menus[STATION]]
            assert mine == shown, (username, items)
        finally:
            context.close()
