"""The month's assessment as a spreadsheet (CSV and Excel): a name that looks like a formula is
text, numbers stay numbers, a row per worker in rank order."""

from __future__ import annotations

import csv
import io

from backend.identity.enums import Role
from tests.sheets import read_export
from tests.world import PASSWORD, SETUP

DANGEROUS = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def test_names_that_begin_like_formulas_are_exported_as_text(api, db, grid, station_staff):
    from grids import service, workforce

    with db() as session:
        for n, name in enumerate(DANGEROUS):
            workforce.place_user(
                session,
                area=service.area_by_code(session, grid.code),
                username=f"worker.formula{n}",
                password=PASSWORD,
                role=Role.GRID_WORKER,
                display_name=name,
                certificate_number=None,
                certificate_expires_on=None,
                actor=SETUP,
            )
    exported = api.get(
        "/api/v1/patrols/assessment",
        params={"area_code": "990101001", "period": "2026-11", "format": "csv"},
        headers=station_staff.headers(api),
    )
    assert exported.status_code == 200, exported.text
    assert exported.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"), newline="")))
    names = {row["username"]: row["display_name"] for row in rows}
    for n, name in enumerate(DANGEROUS):
        assert names[f"worker.formula{n}"] == "'" + name  # a spreadsheet shows it, runs nothing
    counts = [row["tasks_due"] for row in rows]
    assert counts and all(c.isdigit() for c in counts)  # numbers stay numbers


def test_the_assessment_workbook_has_a_row_per_worker_by_rank(api, db, grid, station_staff):
    from grids import service, workforce

    with db() as session:
        for n, name in enumerate(DANGEROUS):
            workforce.place_user(
                session,
                area=service.area_by_code(session, grid.code),
                username=f"worker.formula{n}",
                password=PASSWORD,
                role=Role.GRID_WORKER,
                display_name=name,
                certificate_number=None,
                certificate_expires_on=None,
                actor=SETUP,
            )
    params = {"area_code": "990101001", "period": "2026-11"}
    staff = station_staff.headers(api)
    assessed = api.get("/api/v1/patrols/assessment", params=params, headers=staff).json()
    sheet = read_export(
        api.get("/api/v1/patrols/assessment", params={**params, "format": "xlsx"}, headers=staff)
    )
    assert sheet.filename == f"考核表_990101001_2026-11_{sheet.filename[-15:-5]}.xlsx"
    assert sheet.headers[:5] == ["排名", "网格员", "用户名", "网格", "得分"]
    assert sorted(sheet.column("用户名")) == sorted(w["username"] for w in assessed["workers"])
    assert sheet.column("排名") == sorted(sheet.column("排名"))
    by_user = {row["用户名"]: row for row in sheet.rows}
    for n, name in enumerate(DANGEROUS):
        if name.isprintable():  # a CR travels as XML's _x000D_ escape, which Excel reads back
            assert by_user[f"worker.formula{n}"]["网格员"] == name  # the text itself, as text
    assert all(t["网格员"] == "s" and t["得分"] == "n" for t in sheet.types)
