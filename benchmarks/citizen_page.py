"""The citizens' page 随手拍 (/report/) as a phone on a slow line gets it: the bytes of its
first load over the wire, and the requests of the report path besides the photo upload.

    make bench B=citizen_page

A real `firegrid serve` (SpatiaLite, the demo's areas loaded, the page opened) and Debian's
Chromium at a phone's size (390x844, touch, zh-CN) with the phone's position granted inside
the demo's first township. Measured:

- first load: every byte the browser received for the page before it can be used (the
  document and every asset, from the browser's resource timing: `transferSize`, headers
  included), cross-checked by fetching every asset the HTML names (and the assets those name)
  with httpx; the target is the issue's: <= 300 KB. The load is timed too under Chrome's
  "Slow 3G" (400 kbit/s, 400 ms round trips), printed beside it for orientation.
- report path: the page's API requests from opening it to the follow view of the report it
  sent (the phone's own position, no map: the map's boundaries are one request more, only for
  those who open it), photo bytes (tus, /uploads) aside: <= 3 (form, report, follow).

These are counts and sizes, not times: the same on a busy machine as on a quiet one, so the
targets are absolute (docs/performance.md).
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Targets, backends, firegrid_server, using_database  # noqa: E402

FIRST_LOAD_KB = 300  # the goal, over the wire
REPORT_PATH_REQUESTS = 3  # form, POST report, GET follow
# Chrome DevTools' "Slow 3G" preset.
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * 1000 / 8 * 0.9,
    "uploadThroughput": 400 * 1000 / 8 * 0.9,
}
TOWNSHIP = "450202901"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
# What the page needs open (docs/citizens.md).
CITIZEN_ENV = {"FIREGRID_CITIZEN_AREA": TOWNSHIP}


def fetched_bytes(base: str) -> tuple[int, list[str]]:
    """Fetch /report/ and every asset it names (and they name), as a browser without a cache
    would, gzip accepted; the bytes on the wire (bodies as sent, no headers) and the URLs."""
    seen: list[str] = []
    total = 0
    todo = ["/report/"]
    with httpx.Client(base_url=base, headers={"Accept-Encoding": "gzip, br"}) as client:
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.append(path)
            with client.stream("GET", path) as answer:
                answer.raise_for_status()
                body = b"".join(answer.iter_raw())
            total += len(body)
            if answer.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            text = body.decode("utf-8", "replace")
            todo += [m for m in re.findall(r"/report/assets/[\w.\-]+", text) if m not in seen]
            todo += [
                "/report/assets/" + m
                for m in re.findall(r"""["'(]\./([\w.\-]+\.(?:js|css|svg|png|woff2?))""", text)
                if "/report/assets/" + m not in seen
            ]
    return total, seen


def township_point() -> tuple[float, float]:
    from sqlalchemy import select

    from backend.core.db import session_scope
    from grids.models import Area
    from grids.service import area_shape

    with session_scope() as session:
        shape = area_shape(session.scalar(select(Area).where(Area.code == TOWNSHIP)))
    point = shape.representative_point()
    return point.x, point.y


def in_browser(base: str, where: tuple[float, float], targets: Targets) -> None:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("FIREGRID_CHROMIUM", "/usr/bin/chromium")
    if not os.access(executable, os.X_OK):
        sys.exit(f"no Chromium at {executable}: scripts/bootstrap.sh test installs Debian's")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        geolocation = {"longitude": where[0], "latitude": where[1]}

        # 1. The first load, from the browser's resource timing.
        context = browser.new_context(**PHONE, geolocation=geolocation, permissions=["geolocation"])
        page = context.new_page()
        page.goto(f"{base}/report/")
        page.locator("[data-test=categories] .choice").first.wait_for()
        entries = page.evaluate(
            """() => [...performance.getEntriesByType('navigation'),
                      ...performance.getEntriesByType('resource')]
                 .map(e => ({name: e.name, size: e.transferSize, type: e.initiatorType}))"""
        )
        static = [e for e in entries if "/api/" not in e["name"]]
        first_load = sum(e["size"] for e in static)
        api_at_load = [e["name"] for e in entries if "/api/" in e["name"]]

        # 2. The report path: choose, describe, send (the phone's position), the follow view.
        calls: list[str] = []
        page.on(
            "request",
            lambda r: (
                calls.append(f"{r.method} {r.url}")
                if "/api/" in r.url
                and "/uploads" not in r.url
                and r.resource_type in ("fetch", "xhr")
                else None
            ),
        )
        page.locator("[data-test=categories] .choice").first.click()
        page.locator("[data-test=location]").wait_for()
        page.locator("[data-test=description]").fill("一楼楼道有电动车在充电")
        page.locator("[data-test=submit]").click()
        page.locator("[data-test=stages]").wait_for(timeout=60_000)
        context.close()
        report_requests = len(api_at_load) + len(calls)

        # 3. The same first load on Slow 3G, timed until the form is usable.
        context = browser.new_context(**PHONE, geolocation=geolocation, permissions=["geolocation"])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        page.goto(f"{base}/report/", wait_until="commit", timeout=120_000)
        page.locator("[data-test=categories] .choice").first.wait_for(timeout=120_000)
        usable_ms = page.evaluate("() => performance.now()")
        context.close()
        browser.close()

    fetched, urls = fetched_bytes(base)
    targets.check(
        "citizen_page_first_load_kb",
        first_load / 1000,
        FIRST_LOAD_KB,
        beside=(
            f"{first_load:,} bytes in {len(static)} responses (browser transferSize); "
            f"fetching {len(urls)} files with gzip: {fetched:,} bytes; "
            f"usable after {usable_ms / 1000:.1f} s on Slow 3G"
        ),
    )
    targets.check(
        "citizen_page_report_path_requests",
        report_requests,
        REPORT_PATH_REQUESTS,
        beside="; ".join([f"GET {u}" for u in api_at_load] + calls).replace(base, ""),
    )


def main() -> None:
    os.environ["FIREGRID_DATA_DIR"] = tempfile.mkdtemp(prefix="firegrid-bench-citizen-")
    targets = Targets()
    _, url = backends()[0]  # SpatiaLite: the page's sizes and requests are the database's none
    with using_database(url):
        from backend import demo
        from backend.core.db import session_scope
        from backend.core.settings import get_settings

        with session_scope() as session:
            demo.load(session, get_settings())
        where = township_point()
    env = {
        **os.environ,
        "FIREGRID_DATABASE_URL": url,
        "FIREGRID_LOG_LEVEL": "WARNING",
        **CITIZEN_ENV,
    }
    with firegrid_server(env) as base:
        in_browser(base, where, targets)
    targets.exit()


if __name__ == "__main__":
    main()
