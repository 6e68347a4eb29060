"""The console in a real browser: Debian's Chromium (never one Playwright downloads) driven by
Playwright, against the real app on loopback with the demo data loaded into the test database.

`scripts/bootstrap.sh test` installs Chromium (and a CJK font) and builds the console; a
missing browser or build fails the run instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
ROOT = Path(__file__).resolve().parents[2]
# Where the screens are saved: var/screenshots by default, so that a test run leaves the
# checkout clean; `make screenshots` points it at docs/console to refresh the guide's pictures.
SCREENSHOTS = ROOT / os.environ.get("FIREGRID_SCREENSHOTS", "var/screenshots")
# expect()'s own wait (5 s by default) is too short on a busy machine: a sign-in hashes a password.
ASSERT_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def console_built() -> None:
    from backend.console import console_dir
    from backend.core.settings import get_settings

    directory = console_dir(get_settings())
    if not (directory / "index.html").is_file():
        pytest.fail(f"the console is not built in {directory}: run scripts/build-console.sh")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=ASSERT_TIMEOUT_MS)

    executable = os.environ.get("FIREGRID_CHROMIUM", "/usr/bin/chromium")
    if not os.access(executable, os.X_OK):
        pytest.fail(f"no Chromium at {executable}: scripts/bootstrap.sh test installs Debian's")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Page:
    """A fresh browser tab (its own storage) that records every URL it requests."""

    def __init__(self, context, base_url: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.base_url = base_url
        self.requested: list[str] = []
        self.page.on("request", lambda request: self.requested.append(request.url))

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def network_requests(self) -> list[str]:
        """What went over the network: data: and blob: URLs are the page's own bytes."""
        return [url for url in self.requested if urlsplit(url).scheme not in {"data", "blob"}]

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # Transitions finished (a tag caught fading in reads as empty), not cut mid-way.
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", animations="disabled")


@pytest.fixture
def tab(browser, live_server, console_built) -> Iterator[Page]:
    # The browser's own clock zone is UTC: the console must still show Beijing time.
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="UTC")
    context.set_default_timeout(15_000)
    try:
        yield Page(context, live_server)
    finally:
        context.close()


@pytest.fixture
def empty_tables() -> None:
    """Here the tables are emptied once per module, by `demo` (loading it takes a while)."""


@pytest.fixture(scope="module")
def demo(engine) -> dict[str, str]:
    """The demo (backend/demo.py: `firegrid demo load`) in the test database, loaded once for
    this module's tests (they sign in and look, and change nothing another one reads); its
    logins."""
    from backend import demo
    from backend.core.db import session_scope
    from backend.core.settings import get_settings
    from tests.conftest import empty_all_tables

    empty_all_tables(engine)
    with session_scope() as session:
        return demo.load(session, get_settings())
