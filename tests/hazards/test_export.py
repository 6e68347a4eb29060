"""隐患台账 as an xlsx download: the rows the list shows for the same filters, in its order,
with its names and its masking; codes in Chinese, times as Beijing dates; text that looks like a
formula stays text; another township's station gets only its own."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update

from backend.core.localtime import today
from tests.sheets import read_export
from tests.world import hazard_body

HEADERS = [
    "上报时间",
    "区域编码",
    "区域",
    "场所",
    "隐患类别",
    "隐患等级",
    "隐患描述",
    "来源",
    "状态",
    "当前层级",
    "当前责任人",
    "本级处理期限",
    "是否逾期",
    "整改期限",
    "办结时间",
    "复查不合格次数",
    "挂牌级别",
    "上报人",
    "隐患编号",
]
# (A description's leading tab or carriage return is trimmed when it is reported.)
FORMULAS = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "=1+1\tTAB"]


def report(api, person, **fields) -> dict:
    response = api.post("/api/v1/hazards", json=hazard_body(**fields), headers=person.headers(api))
    assert response.status_code == 201, response.text
    return response.json()


def listed(api, person, **params) -> list[dict]:
    response = api.get(
        "/api/v1/hazards", params={**params, "limit": 500}, headers=person.headers(api)
    )
    assert response.status_code == 200, response.text
    return response.json()


def exported(api, person, **params):
    return read_export(
        api.get("/api/v1/hazards/export.xlsx", params=params, headers=person.headers(api))
    )


def test_the_ledger_holds_what_the_list_shows_in_its_order_with_its_names(
    api, db, grid, grid_worker, station_staff, premises, citizen
):
    from backend.identity.models import User

    with db() as session:
        session.execute(update(User).where(User.id == citizen.id).values(display_name="张三丰"))
        session.execute(update(User).where(User.id == grid_worker.id).values(display_name="李网格"))
    mine = report(api, grid_worker, premises_id=premises)
    report(api, citizen, source="citizen", category="open_flame", lng=109.415)
    report(api, grid_worker, severity="major", category="exit_blocked", lng=109.412)

    for params in ({}, {"sort": "-reported_at"}, {"severity": "ordinary", "sort": "severity"}):
        rows = listed(api, station_staff, **params)
        sheet = exported(api, station_staff, **params)
        assert sheet.headers == HEADERS
        assert sheet.column("隐患编号") == [r["id"] for r in rows], params
    assert sheet.title == "隐患台账"
    assert sheet.filename == f"隐患台账_{today().isoformat()}.xlsx"

    sheet = exported(api, station_staff, sort="reported_at")
    by_id = {
        row["隐患编号"]: (row, types, formats)
        for row, types, formats in zip(sheet.rows, sheet.types, sheet.formats, strict=True)
    }
    row, types, formats = by_id[mine["id"]]
    reported = datetime.fromisoformat(mine["reported_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    # A real date, in Beijing wall-clock time, shown as one.
    assert types["上报时间"] == "d" and formats["上报时间"] == "yyyy-mm-dd hh:mm"
    assert abs((row["上报时间"] - reported.replace(tzinfo=None)).total_seconds()) < 0.002
    # Codes are text; codes of the API in Chinese; names beside ids as the list gives them.
    assert (row["区域编码"], types["区域编码"]) == (grid.code, "s")
    assert row["区域"] == f"测试grid{grid.code}"
    assert row["场所"] == "幸福小吃店"
    assert row["隐患类别"] == "电动自行车违规停放充电"
    assert row["隐患等级"] == "一般隐患"
    assert row["来源"] == "巡查"
    assert row["状态"] == "已上报"
    assert row["当前层级"] == "网格员"
    assert row["当前责任人"] == "李网格"
    assert types["本级处理期限"] == "d"
    assert row["是否逾期"] == "否"
    assert (row["复查不合格次数"], types["复查不合格次数"]) == (0, "n")
    assert row["整改期限"] is None and row["挂牌级别"] is None
    assert row["上报人"] == "李*"  # masked as the list masks reporters
    citizens = [r for r in sheet.rows if r["来源"] == "随手拍"]
    assert [r["上报人"] for r in citizens] == ["张*"]
    assert [r["隐患等级"] for r in sheet.rows].count("重大火灾隐患") == 1


def test_text_that_looks_like_a_formula_is_a_string_cell(api, grid_worker, station_staff):
    for n, text in enumerate(FORMULAS):
        report(api, grid_worker, description=text, lng=109.41 + n * 0.001)
    sheet = exported(api, station_staff, sort="reported_at")
    assert sheet.column("隐患描述") == FORMULAS
    assert [t["隐患描述"] for t in sheet.types] == ["s"] * len(FORMULAS)


def test_another_townships_station_gets_only_its_own(
    api, grid_worker, station_staff, other_station_staff, citizen
):
    here = report(api, grid_worker)
    there = report(api, citizen, source="citizen", lng=109.47)  # the other township
    assert exported(api, station_staff).column("隐患编号") == [here["id"]]
    assert exported(api, other_station_staff).column("隐患编号") == [there["id"]]
    refused = api.get(
        "/api/v1/hazards/export.xlsx",
        params={"area": "990101001"},
        headers=other_station_staff.headers(api),
    )
    assert refused.status_code == 404, refused.text  # another township, as the list answers


def test_an_empty_export_has_its_headers(api, grid_worker, station_staff):
    report(api, grid_worker)
    sheet = exported(api, station_staff, severity="major")
    assert sheet.headers == HEADERS and sheet.rows == []


def test_a_bad_filter_is_refused_as_the_list_refuses_it(api, station_staff):
    for params in (
        {"state": "nonsense"},
        {"reported_from": "2026-12-05", "reported_to": "2026-12-01"},
    ):
        answer = api.get(
            "/api/v1/hazards/export.xlsx", params=params, headers=station_staff.headers(api)
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        same = api.get("/api/v1/hazards", params=params, headers=station_staff.headers(api))
        assert same.status_code == 422


def test_the_ledger_says_when_a_hazard_closed(api, grid, grid_worker, station_staff):
    hazard = report(api, grid_worker)
    for action in ("confirm", "rectify_on_spot"):
        answer = api.post(
            f"/api/v1/hazards/{hazard['id']}/actions",
            json={"action": action},
            headers=grid_worker.headers(api),
        )
        assert answer.status_code == 200, answer.text
    still_open = report(api, grid_worker, lng=109.412)

    sheet = exported(api, station_staff, include_closed="true")

    rows = {row["隐患编号"]: row for row in sheet.rows}
    closed_at = datetime.fromisoformat(answer.json()["closed_at"]).astimezone(
        ZoneInfo("Asia/Shanghai")
    )
    assert rows[hazard["id"]]["状态"] == "已当场整改"
    assert (
        abs((rows[hazard["id"]]["办结时间"] - closed_at.replace(tzinfo=None)).total_seconds()) < 1
    )
    assert rows[still_open["id"]]["办结时间"] is None
