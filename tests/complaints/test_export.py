"""投诉举报台账 as an xlsx download: the complaints the list shows for the same filters, in its
order, with its names and the caller's phone masked as it masks it; text that looks like a
formula stays text; another township's station gets only its own."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update

from backend.core.localtime import today
from tests.sheets import read_export
from tests.world import complaint_body, send_complaint

HEADERS = [
    "受理时间",
    "渠道",
    "工单编号",
    "类型",
    "诉求内容",
    "地址",
    "隐患类别",
    "紧急",
    "匿名",
    "来电人电话",
    "区域编码",
    "区域",
    "状态",
    "承办人",
    "当前环节",
    "办理期限",
    "是否逾期",
    "热线办结时限",
    "核查结果",
    "答复内容",
    "退单理由",
    "关联隐患编号",
    "投诉编号",
]
FORMULAS = ['=HYPERLINK("http://x","点我")', "+86 138 1234 1234 来电", "-1", "@SUM(A1)"]


def received(api, hotline, n: int, **extra) -> dict:
    response = send_complaint(api, hotline, complaint_body(f"12345-2026-{n:06d}", **extra))
    assert response.status_code == 201, response.text
    return response.json()


def listed(api, person, **params) -> list[dict]:
    response = api.get(
        "/api/v1/complaints", params={**params, "limit": 500}, headers=person.headers(api)
    )
    assert response.status_code == 200, response.text
    return response.json()


def exported(api, person, **params):
    return read_export(
        api.get("/api/v1/complaints/export.xlsx", params=params, headers=person.headers(api))
    )


def test_the_export_holds_what_the_list_shows_with_names_and_masked_phones(
    api, db, hotline, grid, grid_worker, station_staff
):
    from backend.identity.models import User

    with db() as session:
        session.execute(update(User).where(User.id == grid_worker.id).values(display_name="李网格"))
    first = received(api, hotline, 1)
    received(api, hotline, 2, location=None, address="测试township990101001 幸福路12号")
    received(api, hotline, 3, type="consultation")

    for params in ({}, {"triage": "true"}, {"state": "dispatched"}):
        rows = listed(api, station_staff, **params)
        sheet = exported(api, station_staff, **params)
        assert sheet.headers == HEADERS
        assert sheet.column("投诉编号") == [r["id"] for r in rows], params
    assert sheet.title == "投诉举报台账"
    assert sheet.filename == f"投诉举报台账_{today().isoformat()}.xlsx"

    sheet = exported(api, station_staff)
    by_id = {
        row["投诉编号"]: (row, types) for row, types in zip(sheet.rows, sheet.types, strict=True)
    }
    row, types = by_id[first["id"]]
    assert row["渠道"] == "12345 政务服务便民热线"
    assert (row["工单编号"], types["工单编号"]) == ("12345-2026-000001", "s")
    assert row["类型"] == "举报"
    assert row["诉求内容"] == "幸福小吃店后门安全出口被锁闭，楼道堆满杂物"
    assert (row["来电人电话"], types["来电人电话"]) == ("138****1234", "s")
    assert (row["区域编码"], row["区域"]) == (grid.code, f"测试grid{grid.code}")
    assert row["状态"] == "已派单"
    assert row["承办人"] == "李网格"
    assert row["当前环节"] == "签收"
    shown = {r["id"]: r for r in listed(api, station_staff)}[first["id"]]
    assert row["是否逾期"] == "否"
    assert row["紧急"] == ("是" if shown["urgent"] else "否")
    received_at = datetime.fromisoformat(first["received_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert types["受理时间"] == "d"
    assert abs((row["受理时间"] - received_at.replace(tzinfo=None)).total_seconds()) < 0.002
    assert types["办理期限"] == "d"
    assert "13812341234" not in str(sheet.rows)  # the caller's number only masked


def test_text_that_looks_like_a_formula_is_a_string_cell(api, hotline, grid, station_staff):
    for n, text in enumerate(FORMULAS):
        received(api, hotline, n, text=text)
    rows = listed(api, station_staff)
    sheet = exported(api, station_staff)
    assert sheet.column("诉求内容") == [r["text"] for r in rows]
    assert sorted(sheet.column("诉求内容")) == sorted(FORMULAS)
    assert {t["诉求内容"] for t in sheet.types} == {"s"}


def test_another_townships_station_gets_only_its_own(
    api, hotline, grid, station_staff, other_station_staff
):
    here = received(api, hotline, 1)
    there = received(api, hotline, 2, location={"lng": 109.47, "lat": 24.35, "crs": "wgs84"})
    assert exported(api, station_staff).column("投诉编号") == [here["id"]]
    assert exported(api, other_station_staff).column("投诉编号") == [there["id"]]


def test_an_empty_export_has_its_headers(api, hotline, grid, station_staff):
    received(api, hotline, 1)
    sheet = exported(api, station_staff, state="closed")
    assert sheet.headers == HEADERS and sheet.rows == []


def test_a_bad_filter_is_refused_as_the_list_refuses_it(api, station_staff):
    for params in (
        {"state": "nonsense"},
        {"received_from": "2026-12-06", "received_to": "2026-12-05"},
    ):
        answer = api.get(
            "/api/v1/complaints/export.xlsx", params=params, headers=station_staff.headers(api)
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
