"""导出 in Chromium: the station filters its hazard queue and downloads the hazard ledger, and
the workbook holds exactly as many hazards as the same filter lists (the API's tests check
rows beyond a page);
the complaint list and the patrol task list download theirs the same way."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.console.test_console import STATION, bearer, only_firegrid, sign_in


def rows_of(download) -> list[list]:
    with open(download.path(), "rb") as saved:  # Playwright keeps it without an extension
        book = load_workbook(io.BytesIO(saved.read()), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_a_station_downloads_the_ledgers_its_lists_show(tab, api, demo):
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    expect(page.locator("[data-test=user-name]")).to_be_visible()

    # 隐患台账 with 含已办结: every hazard of the area, across pages.
    page.locator("[data-test=filter-closed]").click()
    page.locator("[data-test=filter-apply]").click()
    listed = api.get(
        "/api/v1/hazards", params={"include_closed": "true", "limit": 1}, headers=station
    )
    total = int(listed.headers["x-total-count"])
    assert total > 0
    with page.expect_download() as waiting:
        page.locator("[data-test=export-xlsx]").click()
    ledger = waiting.value
    assert ledger.suggested_filename.startswith("隐患台账_")
    table = rows_of(ledger)
    assert len(table) - 1 == total
    assert all(isinstance(h, str) and h for h in table[0])  # a header row (Chinese)

    # 投诉 and 巡查任务: the same button beside their filters.
    page.locator(".el-menu-item", has_text="投诉").click()
    with page.expect_download() as waiting:
        page.locator("[data-test=export-xlsx]").click()
    assert waiting.value.suggested_filename.startswith("投诉举报台账_")
    complaints = api.get(  # the list opens on 待分派 (triage)
        "/api/v1/complaints", params={"triage": "true", "limit": 1}, headers=station
    )
    assert len(rows_of(waiting.value)) - 1 == int(complaints.headers["x-total-count"])

    page.locator(".el-menu-item", has_text="巡查").click()
    page.get_by_role("tab", name="巡查任务").click()
    with page.expect_download() as waiting:
        page.locator("[data-test=export-xlsx]").click()
    assert waiting.value.suggested_filename.startswith("巡查任务清单_")
    tasks = api.get("/api/v1/patrols/tasks", params={"limit": 1}, headers=station)
    assert len(rows_of(waiting.value)) - 1 == int(tasks.headers["x-total-count"])
    only_firegrid(tab)
