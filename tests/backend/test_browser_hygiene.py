"""A township's intranet often has no internet: /docs and /redoc must work from what the
server itself serves. Every answer tells browsers not to sniff types nor frame it, and names
no server software."""

from html.parser import HTMLParser

import httpx
import pytest

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
}
ASSET_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


class Referenced(HTMLParser):
    """Every URL a page makes the browser fetch: scripts, styles, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and name in {"src", "href", "spec-url"}:
                self.urls.append(value)


def referenced(html: str) -> list[str]:
    parser = Referenced()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_only_what_the_server_itself_serves(api, page):
    response = api.get(page)
    assert response.status_code == 200
    urls = referenced(response.text)

    assert urls, "the page references no assets at all"
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    # Nothing else in the page reaches out: no CDN, no Google Fonts, no validator badge.
    assert "http://" not in response.text and "https://" not in response.text
    for url in urls:
        asset = api.get(url)
        assert asset.status_code == 200, url
        if url == "/openapi.json":
            assert asset.json()["paths"]
            continue
        suffix = url[url.rfind(".") :]
        assert ASSET_TYPES[suffix] in asset.headers["content-type"], (url, asset.headers)
        assert len(asset.content) > 1000  # the real asset, not a placeholder
    if page == "/docs":
        assert "validatorUrl" in response.text and '"validatorUrl": null' in response.text


def test_every_answer_carries_the_security_headers_and_no_server_banner(api, station_staff):
    from backend.app import create_app
    from tests.conftest import serving

    answers = {
        "alive": api.get("/healthz"),
        "docs": api.get("/docs"),
        "asset": api.get("/docs-assets/swagger-ui.css"),
        "openapi": api.get("/openapi.json"),
        "not found": api.get("/api/v1/nothing-here"),
        "unauthenticated": api.get("/api/v1/me"),
        "wrong method": api.delete("/healthz"),
        "invalid": api.get(
            "/api/v1/premises",
            params={"offset": -1},
            headers=station_staff.headers(api),
        ),
        "too large": api.post(
            "/api/v1/auth/token",
            content=b"x" * 2_000_000,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
    }
    app = create_app()
    app.add_api_route("/boom", lambda: 1 / 0)
    with serving(app) as url:
        answers["internal error"] = httpx.get(f"{url}/boom")

    assert {name: r.status_code for name, r in answers.items()} == {
        "alive": 200,
        "docs": 200,
        "asset": 200,
        "openapi": 200,
        "not found": 404,
        "unauthenticated": 401,
        "wrong method": 405,
        "invalid": 422,
        "too large": 413,
        "internal error": 500,
    }
    for name, response in answers.items():
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
        assert "server" not in response.headers, (name, response.headers["server"])
