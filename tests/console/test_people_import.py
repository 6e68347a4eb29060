"""人员 → 批量导入 in Chromium: a station downloads the template, previews a roll with a line it
may not import (the reason in Chinese, 导入 disabled), previews the corrected roll, imports it
and gets the 开户通知单 as a download, whose temporary passwords sign in (to be changed first);
the list shows the new people, and the page itself never shows a password."""

from __future__ import annotations

import io

import openpyxl
from playwright.sync_api import expect

from tests.console.test_console import STATION, TOWNSHIP, bearer, only_firegrid
from tests.console.test_people import ROWS, open_people

HEADER = ["用户名", "姓名", "角色", "区域编码", "手机号"]


def roll_file(path, rows: list[list]) -> str:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return str(path)


def test_a_station_imports_a_roll_and_downloads_the_accounts_notice(tab, api, demo, tmp_path):
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    village = api.get("/api/v1/areas", params={"parent": TOWNSHIP}, headers=station).json()[0]
    grids = api.get("/api/v1/areas", params={"parent": village["code"]}, headers=station).json()
    lines = [
        ["wgy.import1", "导入网格员一", "网格员", grids[0]["code"], "13800001111"],
        ["wgy.import2", "导入网格员二", "网格员", grids[-1]["code"], None],
        ["wgz.import1", "导入网格长", "网格长", village["code"], None],
    ]
    wrong = roll_file(
        tmp_path / "名册-有误.xlsx",
        [*lines, ["wgy.import4", "放错的网格员", "网格员", village["code"], None]],
    )
    right = roll_file(tmp_path / "名册.xlsx", lines)
    total = int(
        api.get("/api/v1/users", params={"limit": 1}, headers=station).headers["x-total-count"]
    )

    open_people(tab, STATION, demo[STATION])
    page.locator("[data-test=people-import]").click()
    dialog = page.locator("[data-test=people-import-dialog]")
    with page.expect_download() as template:
        dialog.locator("[data-test=import-template]").click()
    assert template.value.suggested_filename == "人员导入模板.xlsx"

    # A grid worker placed at a village: refused, in Chinese; nothing may be imported.
    dialog.locator("input[type=file]").set_input_files(wrong)
    rows = dialog.locator("[data-test=import-lines] .el-table__row")
    expect(rows).to_have_count(4)
    expect(rows.nth(3)).to_contain_text("不予导入")
    expect(rows.nth(3)).to_contain_text("区域编码：网格员应安排在网格，不能安排在村/社区")
    expect(rows.first).to_contain_text("导入网格员一（wgy.import1）")
    expect(dialog.locator("[data-test=import-summary]")).to_contain_text("预览（尚未写入）")
    expect(dialog.locator("[data-test=import-confirm]")).to_be_disabled()
    tab.screenshot("people-import-preview")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()

    # The corrected roll: a clean preview, then the import and its notice.
    page.locator("[data-test=people-import]").click()
    dialog.locator("input[type=file]").set_input_files(right)
    expect(rows).to_have_count(3)
    expect(dialog.locator("[data-test=import-summary]")).to_contain_text("新建 3")
    assert api.get("/api/v1/users", params={"q": "import"}, headers=station).json() == []
    with page.expect_download() as notice:
        dialog.locator("[data-test=import-confirm]").click()
    done = dialog.locator("[data-test=import-done]")
    expect(done).to_contain_text("已创建 3 人，未变 0 人；临时密码只在这份文件里，请妥善分发")
    expect(dialog.locator("[data-test=import-summary]")).to_contain_text("已导入")
    tab.screenshot("people-import-done")

    assert notice.value.suggested_filename.startswith("开户通知单_")
    book = openpyxl.load_workbook(io.BytesIO(open(notice.value.path(), "rb").read()))
    header, *handed = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert header == ["用户名", "姓名", "角色", "区域", "临时密码"]
    passwords = {row[0]: row[4] for row in handed if row[0] and row[4]}
    assert set(passwords) == {"wgy.import1", "wgy.import2", "wgz.import1"}
    signed = api.post(
        "/api/v1/auth/token", data={"username": "wgz.import1", "password": passwords["wgz.import1"]}
    )
    assert signed.status_code == 200 and signed.json()["password_change_required"] is True
    assert all(password not in page.content() for password in passwords.values())

    # The list was refreshed behind the dialog.
    dialog.get_by_role("button", name="关闭", exact=True).click()
    expect(page.locator(".el-pagination__total")).to_contain_text(str(total + 3))
    page.locator("[data-test=people-q]").fill("导入网格长")
    page.locator("[data-test=people-search]").click()
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.locator(ROWS)).to_contain_text("网格长")
    only_firegrid(tab)
