"""信用记录台账: the list of an area's credit records (GET /api/v1/credit/records) and its xlsx
download, the same rows in the same order, each with its unit's name, credit code and status;
a note that looks like a formula stays text; another township's station gets none of these."""

from __future__ import annotations

from backend.core.localtime import today
from tests.hazards.credit.test_credit import confirmed_hazard, enter
from tests.sheets import read_export
from tests.world import USCC_A, USCC_B, premises_body

HEADERS = [
    "记录时间",
    "场所",
    "统一社会信用代码",
    "区域编码",
    "区域",
    "记录类型",
    "隐患等级",
    "说明",
    "记录状态",
    "可申请信用修复时间",
    "场所当前信用状态",
    "关联隐患编号",
    "记录编号",
]
FORMULA = '=HYPERLINK("http://x","点我")'


def listed(api, person, **params):
    response = api.get(
        "/api/v1/credit/records", params={**params, "limit": 500}, headers=person.headers(api)
    )
    assert response.status_code == 200, response.text
    return response


def exported(api, person, **params):
    return read_export(
        api.get("/api/v1/credit/records/export.xlsx", params=params, headers=person.headers(api))
    )


def test_the_records_of_an_area_listed_and_exported_alike(
    api, db, grid, premises, grid_worker, station_staff, other_station_staff
):
    second = api.post(
        "/api/v1/premises",
        json=premises_body(name="五金店", uscc=USCC_B, lng=109.412),
        headers=station_staff.headers(api),
    ).json()["id"]
    hazard = confirmed_hazard(api, grid_worker, premises)
    assert enter(api, station_staff, premises, "order_refused", note=FORMULA).status_code == 201
    assert enter(api, station_staff, second, "commendation", note="+达标单位").status_code == 201

    everything = listed(api, station_staff)
    assert everything.headers["X-Total-Count"] == "3"
    rows = everything.json()
    assert [r["kind"] for r in rows] == ["commendation", "order_refused", "hazard_confirmed"]
    refused = rows[1]
    assert (refused["premises_name"], refused["uscc"], refused["credit_status"]) == (
        "幸福小吃店",
        USCC_A,
        "blacklist",
    )
    assert (refused["area_code"], refused["area_name"]) == (grid.code, f"测试grid{grid.code}")

    for params in ({}, {"kind": "order_refused"}, {"premises_id": second}, {"area": grid.code}):
        shown = listed(api, station_staff, **params).json()
        sheet = exported(api, station_staff, **params)
        assert sheet.headers == HEADERS
        assert sheet.column("记录编号") == [r["id"] for r in shown], params
    assert sheet.title == "信用记录台账"
    assert sheet.filename == f"信用记录台账_{today().isoformat()}.xlsx"

    sheet = exported(api, station_staff)
    row, types = sheet.rows[1], sheet.types[1]
    assert (row["场所"], row["统一社会信用代码"], types["统一社会信用代码"]) == (
        "幸福小吃店",
        USCC_A,
        "s",
    )
    assert (row["记录类型"], row["记录状态"], row["场所当前信用状态"]) == (
        "拒不整改",
        "有效",
        "黑名单",
    )
    assert (row["说明"], types["说明"]) == (FORMULA, "s")  # text, not a formula
    assert types["记录时间"] == "d" and types["可申请信用修复时间"] == "d"
    confirmed = sheet.rows[2]
    assert (confirmed["记录类型"], confirmed["隐患等级"], confirmed["关联隐患编号"]) == (
        "确认隐患",
        "一般隐患",
        hazard,
    )
    assert (sheet.rows[0]["说明"], sheet.types[0]["说明"]) == ("+达标单位", "s")
    assert sheet.rows[0]["可申请信用修复时间"] is None  # a commendation is not repaired

    assert listed(api, other_station_staff).json() == []
    assert exported(api, other_station_staff).rows == []
    refused_area = api.get(
        "/api/v1/credit/records/export.xlsx",
        params={"area": "990101001"},
        headers=other_station_staff.headers(api),
    )
    assert refused_area.status_code == 404


def test_an_empty_export_has_its_headers_and_a_bad_filter_is_refused(api, premises, station_staff):
    assert enter(api, station_staff, premises, "order_refused").status_code == 201
    sheet = exported(api, station_staff, kind="false_commitment")
    assert sheet.headers == HEADERS and sheet.rows == []
    for params in (
        {"kind": "nonsense"},
        {"recorded_from": "2026-12-06", "recorded_to": "2026-12-05"},
    ):
        for path in ("/api/v1/credit/records/export.xlsx", "/api/v1/credit/records"):
            answer = api.get(path, params=params, headers=station_staff.headers(api))
            assert answer.status_code == 422, answer.text
            assert answer.headers["content-type"] == "application/problem+json"


def test_who_may_not_read_credit_may_not_export_it(api, citizen):
    answer = api.get("/api/v1/credit/records/export.xlsx", headers=citizen.headers(api))
    assert answer.status_code == 403
