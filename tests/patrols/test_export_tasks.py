"""巡查任务清单 as an xlsx download: the tasks the list shows for the same filters, in its order,
with the premises', area's and worker's names beside the ids; a worker gets their own, another
township's station none of these."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from backend.core.localtime import today
from tests.patrols.conftest import register_shop
from tests.sheets import read_export

HEADERS = [
    "截止时间",
    "任务类型",
    "巡查周期",
    "场所",
    "区域编码",
    "区域",
    "巡查人",
    "状态",
    "完成时间",
    "有效签到",
    "逾期责任层级",
    "说明",
    "任务编号",
]
FORMULAS = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)"]


def listed(api, person, **params) -> list[dict]:
    response = api.get(
        "/api/v1/patrols/tasks", params={**params, "limit": 500}, headers=person.headers(api)
    )
    assert response.status_code == 200, response.text
    return response.json()


def exported(api, person, **params):
    return read_export(
        api.get("/api/v1/patrols/tasks/export.xlsx", params=params, headers=person.headers(api))
    )


def adhoc(api, staff, note: str, days: int) -> dict:
    due = (datetime.now(UTC) + timedelta(days=days)).isoformat()
    made = api.post(
        "/api/v1/patrols/tasks",
        json={"lng": 109.41, "lat": 24.36, "due_at": due, "note": note},
        headers=staff.headers(api),
    )
    assert made.status_code == 201, made.text
    return made.json()


def test_the_export_holds_what_the_list_shows_with_names(
    api, db, grid, other_grid, grid_worker, station_staff, other_station_staff
):
    from backend.identity.models import User

    with db() as session:
        session.execute(update(User).where(User.id == grid_worker.id).values(display_name="李网格"))
    register_shop(api, station_staff, "小吃店")
    register_shop(api, station_staff, "五金店", lng=109.44)  # the other grid: nobody's task
    planned = api.post(
        "/api/v1/patrols/plans",
        json={"area_code": "990101001", "period": "2026-12"},
        headers=station_staff.headers(api),
    )
    assert planned.status_code == 200, planned.text
    cancelled = adhoc(api, station_staff, "群众反映楼道堆放杂物", 3)
    api.post(
        f"/api/v1/patrols/tasks/{cancelled['id']}/cancel",
        json={"note": "已由社区处理"},
        headers=station_staff.headers(api),
    )

    for person, params in (
        (station_staff, {}),
        (station_staff, {"state": "open"}),
        (station_staff, {"area_code": other_grid.code}),
        (grid_worker, {}),
    ):
        rows = listed(api, person, **params)
        sheet = exported(api, person, **params)
        assert sheet.headers == HEADERS
        assert sheet.column("任务编号") == [r["id"] for r in rows], (person.username, params)
    assert len(exported(api, grid_worker).rows) == 2  # the shop's, and the ad hoc one
    assert sheet.title == "巡查任务清单"
    assert sheet.filename == f"巡查任务清单_{today().isoformat()}.xlsx"

    sheet = exported(api, station_staff)
    by_place = {
        row["场所"]: (row, types) for row, types in zip(sheet.rows, sheet.types, strict=True)
    }
    row, types = by_place["小吃店"]
    assert (row["任务类型"], row["巡查周期"], types["巡查周期"]) == ("月度巡查", "2026-12", "s")
    assert (row["区域编码"], row["区域"]) == (grid.code, f"测试grid{grid.code}")
    assert (row["巡查人"], row["状态"], row["有效签到"]) == ("李网格", "待巡查", "否")
    assert types["截止时间"] == "d"
    assert row["截止时间"] == datetime(2027, 1, 1, 0, 0)  # the month's end, Beijing time
    assert row["逾期责任层级"] == "网格员"
    unstaffed, _ = by_place["五金店"]
    assert unstaffed["巡查人"] is None
    (gone,) = [r for r in sheet.rows if r["任务编号"] == cancelled["id"]]
    assert (gone["任务类型"], gone["状态"], gone["场所"]) == ("临时任务", "已取消", None)

    assert exported(api, other_station_staff).rows == []  # another township: none of these
    refused = api.get(
        "/api/v1/patrols/tasks/export.xlsx",
        params={"area_code": "990101001"},
        headers=other_station_staff.headers(api),
    )
    assert refused.status_code == 404


def test_notes_that_look_like_formulas_are_string_cells(api, grid, grid_worker, station_staff):
    for n, note in enumerate(FORMULAS):
        adhoc(api, station_staff, note, n + 1)
    sheet = exported(api, station_staff)
    assert sheet.column("说明") == FORMULAS  # by due time, as created
    assert {t["说明"] for t in sheet.types} == {"s"}


def test_an_empty_export_has_its_headers_and_a_bad_filter_is_refused(api, station_staff):
    sheet = exported(api, station_staff)
    assert sheet.headers == HEADERS and sheet.rows == []
    for params in ({"state": "nonsense"}, {"assignee_id": "not-an-id"}):
        answer = api.get(
            "/api/v1/patrols/tasks/export.xlsx", params=params, headers=station_staff.headers(api)
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
