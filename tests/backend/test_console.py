"""/console/: the built console's files, the single-page app's fallback, cache headers, and a
clear answer (503, in Chinese) when the console was never built."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import serving


@pytest.fixture
def console_build(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="zh-CN"><script type="module" src="/console/assets/index-abc123.js">'
        "</script></html>",
        encoding="utf-8",
    )
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('管理端')", encoding="utf-8")
    return tmp_path


def served(directory):
    from backend.app import create_app
    from backend.core.settings import get_settings

    settings = get_settings().model_copy(update={"console_dir": directory})
    return serving(create_app(settings), settings)


def test_the_console_is_served_with_its_screens_falling_back_to_index_html(console_build):
    with served(console_build) as url, httpx.Client(base_url=url) as client:
        bare = client.get("/console?x=1")
        assert bare.status_code == 307
        assert bare.headers["location"] == "/console/?x=1"

        index = client.get("/console/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        assert index.headers["cache-control"] == "no-cache"
        assert "index-abc123.js" in index.text
        # every answer keeps the app's security headers
        assert index.headers["x-frame-options"] == "DENY"
        assert index.headers["x-content-type-options"] == "nosniff"

        for screen in ("/console/hazards", "/console/signin", "/console/a/b/c?page=2"):
            answer = client.get(screen)
            assert answer.status_code == 200, screen
            assert answer.text == index.text
            assert answer.headers["cache-control"] == "no-cache"

        script = client.get("/console/assets/index-abc123.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert client.head("/console/assets/index-abc123.js").status_code == 200

        # another build's script is not answered with index.html (it would fail as a script)
        assert client.get("/console/assets/index-old999.js").status_code == 404


def test_nothing_outside_the_build_is_served(console_build):
    (console_build.parent / "secret.txt").write_text("not for the browser")
    with served(console_build) as url, httpx.Client(base_url=url) as client:
        for path in (
            "/console/../secret.txt",
            "/console/%2e%2e/secret.txt",
            "/console/..%2fsecret.txt",
        ):
            answer = client.get(path)
            assert "not for the browser" not in answer.text, path


def test_without_a_build_the_console_says_how_to_build_it(tmp_path):
    with served(tmp_path / "missing") as url, httpx.Client(base_url=url) as client:
        for path in ("/console/", "/console/hazards"):
            answer = client.get(path)
            assert answer.status_code == 503
            assert answer.headers["content-type"].startswith("text/html")
            assert "管理端尚未构建" in answer.text
            assert "scripts/build-console.sh" in answer.text
        assert client.get("/healthz").status_code == 200


def test_the_console_is_not_an_operation_of_the_api(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/console")]


def test_an_empty_console_dir_setting_is_the_default_not_the_current_directory(monkeypatch):
    from backend.console import DEFAULT_DIR, console_dir
    from backend.core.settings import Settings

    monkeypatch.setenv("FIREGRID_CONSOLE_DIR", "")
    assert Settings().console_dir is None
    assert console_dir(Settings()) == DEFAULT_DIR
