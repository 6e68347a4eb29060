"""简报 in Chromium: the station makes its township's bulletin of the demo's month, sees its
pages (with the charts) and downloads the PDF under its Chinese name. The grid leader, who
may not read bulletins, has no such menu entry."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import expect

from backend.core.db import utcnow
from bulletins.service import current_month
from tests.bulletins.test_documents import coloured_share
from tests.console.conftest import SCREENSHOTS
from tests.console.test_console import STATION, TOWNSHIP, bearer, only_firegrid, sign_in

ROWS = "[data-test=bulletin-table] .el-table__body tr.el-table__row"


def test_the_station_makes_sees_and_downloads_the_months_bulletin(tab, api, demo):
    page = tab.page
    month = current_month(utcnow())  # the demo's hazards and complaints are of this month
    year, number = month.split("-")
    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    page.locator(".el-menu-item", has_text="简报").click()
    expect(page).to_have_url(f"{tab.base_url}/console/bulletins")
    expect(page.locator("[data-test=bulletin-table]")).to_contain_text("暂无简报")

    page.locator("[data-test=bulletin-generate]").click()  # the station's township, this month

    row = page.locator(ROWS)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("城中演示街道一")
    expect(row).to_contain_text(f"{year}年{int(number)}月")
    expect(row).to_contain_text("手动")
    pages = page.locator("[data-test=bulletin-page]")
    expect(pages.first).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-test=bulletin-page]')]"
        ".every((img) => img.complete && img.naturalWidth > 800)"
    )
    tab.screenshot("bulletins")

    with page.expect_download() as downloading:
        row.locator("[data-test=bulletin-download]").click()
    download = downloading.value
    assert download.suggested_filename == f"城中演示街道一{year}年{int(number)}月消防安全简报.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # The page the console showed, as the API serves it: the charts are there. Kept beside
    # the screenshots (docs/console/bulletin-page-1.png).
    station = bearer(api, STATION, demo[STATION])
    [bulletin] = api.get("/api/v1/bulletins", params={"area": TOWNSHIP}, headers=station).json()
    first = api.get(bulletin["page_urls"][0], headers=station)
    assert first.status_code == 200
    assert coloured_share(first.content, (0.1, 0.4, 0.9, 0.85)) > 0.02
    assert Image.open(io.BytesIO(first.content)).size[0] > 800
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "bulletin-page-1.png").write_bytes(first.content)
    only_firegrid(tab)


def test_no_bulletins_for_a_grid_leader(tab, demo):
    page = tab.page
    tab.goto("/console/")
    sign_in(tab, "leader.cz1-1", demo["leader.cz1-1"])
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    expect(page.locator(".el-menu-item", has_text="隐患")).to_be_visible()
    expect(page.locator(".el-menu-item", has_text="简报")).to_have_count(0)
