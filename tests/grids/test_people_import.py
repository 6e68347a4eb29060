"""A township going live imports its roll of grid workers and leaders 网格员名册 from Excel: a
preview first, then the accounts, each with a temporary password handed out once in the
开户通知单; the same roll again creates nobody. A line the station could not create by hand is
refused, and then nobody is created."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from backend.core import audit

URL = "/api/v1/users/import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
HEADER = ["用户名", "姓名", "角色", "区域编码", "手机号", "执法证号", "执法证有效期至"]


def roll(rows: list[list], header: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post(api, person, body: bytes, *, accept: str = "application/json", **params):
    return api.post(
        URL,
        content=body,
        params=params,
        headers={**person.headers(api), "Content-Type": XLSX, "Accept": accept, **ZH},
    )


def people(api, person) -> dict[str, dict]:
    listed = api.get("/api/v1/users", params={"limit": 500}, headers=person.headers(api))
    return {p["username"]: p for p in listed.json()}


def outcomes(report) -> list[tuple[int, str]]:
    return [(line["line"], line["outcome"]) for line in report["lines"]]


def notice(response) -> list[dict]:
    """The 开户通知单's people, by its headers; its last line is the advice."""
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    (sheet,) = book.worksheets
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header, *lines = rows
    assert header == ["用户名", "姓名", "角色", "区域", "临时密码"]
    assert "首次登录" in lines[-1][0]
    return [dict(zip(header, line, strict=True)) for line in lines if line[0] and line[4]]


def township_roll(grid, other_grid, village) -> bytes:
    return roll(
        [
            ["wgy.zhang", "张网格", "网格员", grid.code, "138 1234 5678", None, None],
            ["wgy.li", "李网格", "grid_worker", other_grid.code, None, None, None],
            ["wgz.wang", "王网格长", "网格长", village.code, None, "桂执-001", "2027/6/30"],
        ]
    )


def test_a_station_imports_its_roll_and_hands_out_each_password_once(
    api, db, township, village, grid, other_grid, station_staff
):
    body = township_roll(grid, other_grid, village)
    before = people(api, station_staff)

    preview = post(api, station_staff, body, preview="true")
    assert preview.status_code == 200, preview.text
    assert preview.json()["preview"] is True and preview.json()["imported"] == 0
    assert outcomes(preview.json()) == [(2, "created"), (3, "created"), (4, "created")]
    assert all(line["temporary_password"] is None for line in preview.json()["lines"])
    assert people(api, station_staff) == before  # a preview writes nothing

    done = post(api, station_staff, body, accept=XLSX)
    assert done.status_code == 200, done.text
    assert done.headers["content-type"] == XLSX
    assert done.headers["cache-control"] == "no-store"
    assert (done.headers["x-import-created"], done.headers["x-import-unchanged"]) == ("3", "0")
    assert (
        "filename*=UTF-8''%E5%BC%80%E6%88%B7%E9%80%9A%E7%9F%A5%E5%8D%95"
        in (
            done.headers["content-disposition"]  # 开户通知单
        )
    )
    handed = {line["用户名"]: line for line in notice(done)}
    assert set(handed) == {"wgy.zhang", "wgy.li", "wgz.wang"}
    assert handed["wgz.wang"]["角色"] == "网格长"
    assert handed["wgz.wang"]["区域"] == f"测试village{village.code}（{village.code}）"

    now = people(api, station_staff)
    assert (now["wgy.zhang"]["area_code"], now["wgy.zhang"]["phone"]) == (grid.code, "138****5678")
    assert now["wgy.li"]["area_code"] == other_grid.code
    assert (now["wgz.wang"]["role"], now["wgz.wang"]["area_code"]) == ("grid_leader", village.code)

    # The password in the notice signs in, and must be changed first.
    signed = api.post(
        "/api/v1/auth/token",
        data={"username": "wgy.zhang", "password": handed["wgy.zhang"]["临时密码"]},
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["password_change_required"] is True

    # Audited as single creations are, and never with a password.
    with db() as session:
        created = session.scalars(
            select(audit.AuditEvent).where(audit.AuditEvent.action == "user.created")
        ).all()
        assert {e.after["username"] for e in created} >= {"wgy.zhang", "wgy.li", "wgz.wang"}
        assigned = session.scalars(
            select(audit.AuditEvent).where(audit.AuditEvent.action == "grid.worker_assigned")
        ).all()
        workers = {now["wgy.zhang"]["id"], now["wgy.li"]["id"]}
        assert workers <= {e.after["user_id"] for e in assigned}
        logged = " ".join(str(e.after) for e in created)
        assert all(line["临时密码"] not in logged for line in handed.values())

    # The same roll again: nobody new, no password.
    again = post(api, station_staff, body)
    assert again.status_code == 200, again.text
    assert outcomes(again.json()) == [(2, "unchanged"), (3, "unchanged"), (4, "unchanged")]
    assert again.json()["created"] == 0 and again.json()["unchanged"] == 3
    assert all(line["temporary_password"] is None for line in again.json()["lines"])
    assert again.headers["x-import-created"] == "0"
    again_xlsx = post(api, station_staff, body, accept=XLSX)
    assert notice(again_xlsx) == []


def test_the_json_answer_carries_the_passwords_of_a_csv_from_chinese_excel(
    api, township, village, grid, station_staff
):
    csv = f"用户名,姓名,角色,区域编码\r\nwgy.csv,陈网格,网格员,{grid.code}\r\n".encode("gb18030")
    answer = api.post(
        URL,
        content=csv,
        headers={**station_staff.headers(api), "Content-Type": "text/csv"},
    )

    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    (line,) = answer.json()["lines"]
    assert (line["outcome"], line["username"], line["role"]) == (
        "created",
        "wgy.csv",
        "grid_worker",
    )
    signed = api.post(
        "/api/v1/auth/token", data={"username": "wgy.csv", "password": line["temporary_password"]}
    )
    assert signed.status_code == 200 and signed.json()["password_change_required"] is True


def far_grid(db, other_township):
    """A grid of the other township."""
    from tests.world import make_area

    bounds = (109.45, 24.30, 109.50, 24.40)
    village = make_area(db, "990101002001", "village", bounds, other_township)
    return make_area(db, "990101002001-01", "grid", bounds, village)


def test_lines_the_station_could_not_create_by_hand_are_refused_and_nobody_is_created(
    api, db, township, village, grid, other_township, grid_worker, station_staff
):
    other_grid = far_grid(db, other_township)
    before = people(api, station_staff)
    body = roll(
        [
            ["wgy.ok", "好网格", "网格员", grid.code],
            ["wgy.far", "远网格", "网格员", other_grid.code],  # another township's grid
            [
                "dd.officer",
                "大队干部",
                "县级消防救援大队",
                township.code,
            ],  # not a station's to make
            ["wgy.village", "村网格", "网格员", village.code],  # a worker is placed at a grid
            ["wgy.ok", "重名", "网格员", grid.code],  # the username twice
            [
                "wgz.half",
                "半证",
                "网格长",
                village.code,
                None,
                "桂执-002",
                None,
            ],  # half a certificate
            ["worker.one", "已有", "网格长", village.code],  # a username held by someone else
            ["wgy.nope", "无此角色", "巡逻员", grid.code],
        ]
    )

    answer = post(api, station_staff, body)

    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["type"].endswith("/import-refused")
    assert problem["created"] == 1 and problem["refused"] == 7
    refused = {(p["line"], p["field"]) for p in problem["problems"]}
    assert refused == {
        (3, "area_code"),
        (4, "role"),
        (5, "area_code"),
        (6, "username"),
        (7, "certificate_expires_on"),
        (8, "username"),
        (9, "role"),
    }
    by_line = {p["line"]: p["message"] for p in problem["problems"]}
    assert by_line[3] == f"没有代码为 '{other_grid.code}' 的区域"  # as if it did not exist
    assert by_line[4] == "乡镇消防工作站工作人员不能创建消防救援大队工作人员"
    assert by_line[5].startswith("网格员应安排在网格，不能安排在村/社区")
    assert by_line[6] == "本文件第 2 行已使用此用户名"
    assert by_line[7] == "执法证须同时填写证号和有效期"
    assert "已被其他账号使用" in by_line[8]
    assert by_line[9].startswith("未知的角色“巡逻员”")
    assert all(line["temporary_password"] is None for line in problem["lines"])
    assert people(api, station_staff) == before  # nothing written, not even line 2


def test_a_made_up_area_reads_as_another_townships(
    api, db, township, other_township, grid, station_staff
):
    far = far_grid(db, other_township)

    def refusal(code: str) -> str:
        answer = post(api, station_staff, roll([["wgy.x", "某人", "网格员", code]]), preview="true")
        assert answer.status_code == 200, answer.text  # a preview reports, it does not refuse
        (problem,) = answer.json()["problems"]
        return problem["message"].replace(code, "<code>")

    assert refusal(far.code) == refusal("990109001001-01")


def test_a_grid_worker_cannot_import_nor_fetch_the_template(api, grid, grid_worker, station_staff):
    body = roll([["wgy.self", "自己", "网格员", grid.code]])
    assert post(api, grid_worker, body).status_code == 403
    template = "/api/v1/users/import-template.xlsx"
    assert api.get(template, headers=grid_worker.headers(api)).status_code == 403

    answer = api.get(template, headers=station_staff.headers(api))
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    header, example = [[c.value for c in row] for row in book.worksheets[0].iter_rows(max_row=2)]
    assert header == HEADER
    assert example[:3] == ["wgy.zhangsan", "张三", "网格员"]
    assert book.sheetnames == ["人员", "填写说明"]


def test_a_brigade_imports_a_station_officer_and_a_bad_header_is_refused_whole(
    api, county, township, brigade_staff
):
    body = roll([["zhan.new", "新站长", "乡镇消防工作站", township.code]])
    answer = post(api, brigade_staff, body)
    assert answer.status_code == 200, answer.text
    assert outcomes(answer.json()) == [(2, "created")]

    wrong = post(api, brigade_staff, roll([["a", "b"]], header=["用户名", "密码"]))
    assert wrong.status_code == 422
    (problem,) = wrong.json()["problems"]
    assert (problem["line"], problem["field"]) == (1, "header")
    assert "未知的列：密码" in problem["message"]


def test_more_lines_than_the_limit_are_refused(api, township, grid, station_staff, monkeypatch):
    from backend.core.settings import get_settings

    limit = get_settings().people_import_max_rows
    rows = [[f"wgy.n{n}", "某人", "网格员", grid.code] for n in range(limit + 1)]
    answer = post(api, station_staff, roll(rows), preview="true")
    assert answer.status_code == 422
    assert answer.json()["type"].endswith("/too-many-rows")
