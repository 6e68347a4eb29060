"""考核 in Chromium: the station reads its township's month, each worker's score and rank with
what makes it up, opens the tasks behind a worker's figure, and downloads the table as an
Excel workbook that a reader opens with the same rows."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.console.test_area_picker import pick_area
from tests.console.test_console import STATION, TOWNSHIP, bearer, only_firegrid
from tests.console.test_patrols import open_patrols

WORKERS = (
    "[data-test=assessment-workers] > .el-table__inner-wrapper .el-table__body tr.el-table__row"
)


def test_a_station_reads_the_assessment_opens_a_figure_and_downloads_it(tab, api, demo):
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    township = api.get(f"/api/v1/areas/{TOWNSHIP}", headers=station).json()
    open_patrols(tab, STATION, demo[STATION], "考核")
    pick_area(page, "assessment-area", township["name"])
    page.locator("[data-test=assessment-show]").click()
    period = page.locator("[data-test=assessment-period] input").input_value()
    month = period.replace("年", "-").replace("月", "")
    expected = api.get(
        "/api/v1/patrols/assessment",
        params={"area_code": TOWNSHIP, "period": month},
        headers=station,
    ).json()
    best = min(expected["workers"], key=lambda w: (w["rank"], w["display_name"]))
    rows = page.locator(WORKERS)
    expect(rows).to_have_count(len(expected["workers"]))
    row = rows.filter(has_text=best["display_name"]).first
    expect(row).to_contain_text(str(best["score"]))
    expect(page.locator("[data-test=assessment-weights]")).to_contain_text("巡查任务按时完成率 40")

    # What makes up the score.
    row.locator(".el-table__expand-icon").click()
    parts = page.locator("[data-test=assessment-contributions]").first
    expect(parts).to_contain_text("巡查任务按时完成率")
    tab.screenshot("assessment")

    # The tasks behind the worker's tasks figure: as many as the figure says.
    row.locator("[data-test=assessment-tasks]").click()
    dialog = page.locator("[data-test=assessment-task-dialog]")
    expect(dialog).to_contain_text(f"共 {best['tasks_due']} 条")
    dialog.get_by_text("按时完成", exact=True).click()
    expect(dialog).to_contain_text(f"共 {best['tasks_done_on_time']} 条")
    dialog.locator(".el-dialog__headerbtn").click()

    # The Excel workbook: Chinese headers, a row per worker, the same scores.
    with page.expect_download() as waiting:
        page.locator("[data-test=assessment-xlsx]").click()
    saved = waiting.value
    assert saved.suggested_filename.endswith(".xlsx") and "考核" in saved.suggested_filename
    book = load_workbook(io.BytesIO(open(saved.path(), "rb").read()), read_only=True)
    sheet = book.worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = table[0]
    assert "网格员" in header and "得分" in header and "排名" in header
    by_name = {r[header.index("网格员")]: r for r in table[1:]}
    assert set(by_name) == {w["display_name"] for w in expected["workers"]}
    assert by_name[best["display_name"]][header.index("得分")] == best["score"]
    only_firegrid(tab)
