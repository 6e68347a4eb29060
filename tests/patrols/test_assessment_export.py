"""The month's assessment as a spreadsheet: a name that looks like a formula is text."""

from __future__ import annotations

import csv
import io

from backend.identity.enums import Role
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
