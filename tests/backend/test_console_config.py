"""GET /api/v1/console/config (the map's basemap, set on the server) and the console's CSP:
images from the configured tile host and from nowhere else; no basemap, no tile host."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import serving

TIANDITU = (
    "https://t{0-7}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)


def served(tmp_path, **update):
    from backend.app import create_app
    from backend.core.settings import get_settings

    (tmp_path / "index.html").write_text("<!doctype html><title>管理端</title>", encoding="utf-8")
    settings = get_settings().model_copy(update={"console_dir": tmp_path, **update})
    return serving(create_app(settings), settings)


def test_no_basemap_by_default_and_images_from_the_console_only(
    tmp_path, station_staff, grid_leader
):
    with served(tmp_path) as url, httpx.Client(base_url=url) as client:
        for person in (station_staff, grid_leader):
            answer = client.get("/api/v1/console/config", headers=person.headers(client))
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"map_crs": "wgs84", "basemap": None}

        page = client.get("/console/map")
        policy = page.headers["content-security-policy"]
        assert "img-src 'self' data: blob:;" in policy
        assert "frame-ancestors 'none'" in policy
        assert "connect-src 'self'" in policy
        # The API keeps its own policy.
        api_policy = client.get("/healthz").headers["content-security-policy"]
        assert api_policy == "frame-ancestors 'none'"


def test_a_gcj02_basemap_is_handed_to_staff_and_its_host_alone_allowed(tmp_path, station_staff):
    template = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png?key={key}"
    with (
        served(
            tmp_path,
            basemap_url=template,
            basemap_crs="gcj02",
            basemap_key="k-123",
            basemap_attribution="© 高德地图",
        ) as url,
        httpx.Client(base_url=url) as client,
    ):
        answer = client.get("/api/v1/console/config", headers=station_staff.headers(client))
        assert answer.json() == {
            "map_crs": "gcj02",
            "basemap": {
                "url": "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png?key=k-123",
                "crs": "gcj02",
                "attribution": "© 高德地图",
            },
        }
        policy = client.get("/console/").headers["content-security-policy"]
        assert "img-src 'self' data: blob: http://127.0.0.1:9;" in policy
        assert policy.count("127.0.0.1:9") == 1


def test_tianditu_subdomains_are_each_allowed():
    from backend.console import console_csp
    from backend.core.settings import get_settings

    settings = get_settings().model_copy(update={"basemap_url": TIANDITU})
    policy = console_csp(settings)
    hosts = [f"https://t{n}.tianditu.gov.cn" for n in range(8)]
    assert f"img-src 'self' data: blob: {' '.join(hosts)};" in policy


def test_grid_workers_and_citizens_get_no_console_config(api, grid_worker, citizen):
    for person in (grid_worker, citizen):
        answer = api.get(
            "/api/v1/console/config",
            headers={**person.headers(api), "Accept-Language": "zh-CN"},
        )
        assert answer.status_code == 403
        assert "管理端" in answer.json()["detail"]
    assert api.get("/api/v1/console/config").status_code == 401


@pytest.mark.parametrize(
    "value", ["ftp://tiles.example/{z}/{x}/{y}", "https://tiles.example/{z}/{x}.png", "tiles"]
)
def test_a_bad_tile_template_is_refused(value):
    from pydantic import ValidationError

    from backend.core.settings import Settings

    with pytest.raises(ValidationError):
        Settings(basemap_url=value)
