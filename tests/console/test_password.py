"""A password in the console: the station resets a village grid leader's forgotten password;
the leader signs in with the temporary one and is held on 修改密码 until they choose their own,
then works as before; the temporary password no longer opens anything."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.console.test_console import STATION, bearer, only_firegrid, sign_in

LEADER = "leader.cz1-1"  # 城中演示街道一演示社区一 网格长 (backend/demo.py)
NEW_PASSWORD = "my-own-password-2026"


def test_a_reset_leader_must_choose_a_password_before_the_console_opens(tab, api, demo):
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    leader = next(
        p
        for p in api.get("/api/v1/users", params={"q": LEADER}, headers=station).json()
        if p["username"] == LEADER
    )
    reset = api.post(f"/api/v1/users/{leader['id']}/password-reset", headers=station)
    assert reset.status_code == 200, reset.text
    temporary = reset.json()["temporary_password"]

    tab.goto("/console/hazards")
    sign_in(tab, LEADER, temporary)
    expect(page).to_have_url(f"{tab.base_url}/console/password?next=/hazards")
    expect(page.locator("[data-test=password-required]")).to_contain_text("密码已由管理员重置")
    tab.screenshot("password-change-required")
    # The menu's pages stay closed until then.
    tab.goto("/console/map")
    expect(page).to_have_url(f"{tab.base_url}/console/password?next=/map")
    expect(page.locator("[data-test=password-required]")).to_be_visible()

    # A wrong temporary password is told beside its field, in Chinese.
    page.locator("[data-test=current-password]").fill("not-the-temporary-one")
    page.locator("[data-test=new-password]").fill(NEW_PASSWORD)
    page.locator("[data-test=new-password-again]").fill(NEW_PASSWORD)
    page.locator("[data-test=change-password-submit]").click()
    expect(page.locator(".el-form-item__error", has_text="当前密码不正确")).to_be_visible()
    # Two different new passwords are caught before anything is sent.
    page.locator("[data-test=current-password]").fill(temporary)
    page.locator("[data-test=new-password-again]").fill(NEW_PASSWORD + "x")
    page.locator("[data-test=change-password-submit]").click()
    expect(page.locator(".el-form-item__error", has_text="两次输入的新密码不一致")).to_be_visible()
    page.locator("[data-test=new-password-again]").fill(NEW_PASSWORD)
    page.locator("[data-test=change-password-submit]").click()

    # Into the console, where they were going.
    expect(page).to_have_url(f"{tab.base_url}/console/map")
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    assert (
        api.post("/api/v1/auth/token", data={"username": LEADER, "password": temporary}).status_code
        == 401
    )
    mine = api.post("/api/v1/auth/token", data={"username": LEADER, "password": NEW_PASSWORD})
    assert mine.status_code == 200 and mine.json()["password_change_required"] is False
    only_firegrid(tab)
