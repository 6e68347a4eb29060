"""/report/: the citizens' page 随手拍 is served as the console is (its own build, the hash
screens from index.html, hashed assets kept for good), with a page in Chinese that points to
96119 when it was never built; the real build names nothing from outside."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import serving


@pytest.fixture
def report_build(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="zh-CN"><script type="module" src="/report/assets/index-r1.js">'
        "</script></html>",
        encoding="utf-8",
    )
    (tmp_path / "assets" / "index-r1.js").write_text("console.log('随手拍')", encoding="utf-8")
    return tmp_path


def served(directory):
    from backend.app import create_app
    from backend.core.settings import get_settings

    settings = get_settings().model_copy(update={"report_page_dir": directory})
    return serving(create_app(settings), settings)


def test_the_page_is_served_from_its_own_build(report_build):
    with served(report_build) as url, httpx.Client(base_url=url) as client:
        bare = client.get("/report?code=K7Q4-9MZT-2XWA")
        assert bare.status_code == 307
        assert bare.headers["location"] == "/report/?code=K7Q4-9MZT-2XWA"

        index = client.get("/report/")
        assert index.status_code == 200
        assert index.headers["cache-control"] == "no-cache"
        assert "index-r1.js" in index.text
        assert "default-src 'self'" in index.headers["content-security-policy"]
        assert client.get("/report/anything").text == index.text

        script = client.get("/report/assets/index-r1.js")
        assert script.status_code == 200
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert client.get("/report/assets/index-old.js").status_code == 404
        # the console's build is another directory
        assert "index-r1.js" not in client.get("/console/").text


def test_scripts_go_compressed_to_browsers_that_take_gzip(report_build):
    import gzip

    script = "const 随手拍 = 1;\n" * 2000
    (report_build / "assets" / "index-r1.js").write_text(script, encoding="utf-8")
    with served(report_build) as url, httpx.Client(base_url=url) as client:
        raw = client.get("/report/assets/index-r1.js", headers={"Accept-Encoding": "identity"})
        assert raw.status_code == 200 and raw.text == script
        assert "content-encoding" not in raw.headers
        refused = client.get(
            "/report/assets/index-r1.js", headers={"Accept-Encoding": "br, gzip;q=0"}
        )
        assert "content-encoding" not in refused.headers
        with client.stream(
            "GET", "/report/assets/index-r1.js", headers={"Accept-Encoding": "gzip, br"}
        ) as packed:
            body = b"".join(packed.iter_raw())
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["vary"] == "Accept-Encoding"
        assert "javascript" in packed.headers["content-type"]
        assert packed.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert gzip.decompress(body).decode("utf-8") == script
        assert len(body) < len(script.encode()) / 10
        # the page itself is small and asked for each time: as it is
        page = client.get("/report/", headers={"Accept-Encoding": "gzip"})
        assert page.headers.get("content-encoding") is None


def test_without_a_build_the_page_says_to_call_96119(tmp_path):
    with served(tmp_path / "missing") as url, httpx.Client(base_url=url) as client:
        answer = client.get("/report/")
        assert answer.status_code == 503
        assert "随手拍页面暂不可用" in answer.text and "96119" in answer.text
        assert "missing" not in answer.text  # no server directory on a public page


def test_the_real_build_loads_nothing_from_outside():
    from backend.console import report_dir
    from backend.core.settings import get_settings

    directory = report_dir(get_settings())
    if not (directory / "index.html").is_file():
        pytest.fail(f"the citizens' page is not built in {directory}: run scripts/build-console.sh")
    for file in [directory / "index.html", *(directory / "assets").iterdir()]:
        text = file.read_text(encoding="utf-8")
        # no script, style, font or image from another host (links in licence comments aside)
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), file
        assert not re.search(r"""@import\s+url\(["']?(https?:)?//""", text), file
        assert "fonts.googleapis" not in text and "cdn." not in text, file


NODE_CHECK = """
import { sha256Hex, solveChallenge } from %(module)s
const lengths = [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 1000, 300000]
const digests = lengths.map((n) => {
  const bytes = new Uint8Array(n)
  for (let i = 0; i < n; i++) bytes[i] = (i * 31 + 7) & 255
  return sha256Hex(bytes)
})
const nonce = await solveChallenge(%(token)s, 16)
console.log(JSON.stringify({ digests, nonce }))
"""


def test_the_pages_sha256_and_proof_of_work_agree_with_pythons(tmp_path):
    """The page computes SHA-256 itself (no crypto.subtle on plain http): its digests of
    messages around the block sizes, and a solved challenge, checked by hashlib."""
    import hashlib
    import json
    import shutil
    import subprocess
    from pathlib import Path

    node = shutil.which("node")
    if not node:
        pytest.fail("Node.js is needed to build the console (scripts/build-console.sh)")
    module = Path(__file__).resolve().parents[2] / "console" / "report" / "src" / "sha256.js"
    token = "cch_2026-12-05T20:40:00Z.随手拍"
    script = tmp_path / "check.mjs"
    script.write_text(
        NODE_CHECK % {"module": json.dumps(module.as_uri()), "token": json.dumps(token)},
        encoding="utf-8",
    )
    out = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    for n, digest in zip(
        [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 1000, 300000], answer["digests"], strict=True
    ):
        data = bytes((i * 31 + 7) & 255 for i in range(n))
        assert digest == hashlib.sha256(data).hexdigest(), n
    proof = hashlib.sha256(f"{token}:{answer['nonce']}".encode()).digest()
    assert int.from_bytes(proof, "big") >> (256 - 16) == 0


CRS_CHECK = """
import { gcj02ToWgs84, wgs84ToGcj02 } from %(module)s
const points = %(points)s
console.log(JSON.stringify(points.map((p) => ({ gcj: wgs84ToGcj02(p), back: gcj02ToWgs84(wgs84ToGcj02(p)) }))))
"""

CRS_POINTS = [
    [109.41, 24.35],  # the test township, 柳州
    [116.397428, 39.90923],  # 天安门
    [121.4737, 31.2304],  # 上海
    [87.6168, 43.8256],  # 乌鲁木齐
    [113.2644, 23.1291],  # 广州
    [126.642464, 45.756967],  # 哈尔滨
    [2.3522, 48.8566],  # Paris: outside China, unchanged
]


def test_the_pages_gcj02_shift_agrees_with_pythons(tmp_path):
    """The page draws over a GCJ-02 basemap with its own port of the WGS-84 -> GCJ-02 formula
    (console/report/src/crs.js) and reads the pin back through its inverse: both agree with
    grids/crs.py at points across China (and leave a point abroad alone)."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from grids.crs import gcj02_to_wgs84, wgs84_to_gcj02

    node = shutil.which("node")
    if not node:
        pytest.fail("Node.js is needed to build the console (scripts/build-console.sh)")
    module = Path(__file__).resolve().parents[2] / "console" / "report" / "src" / "crs.js"
    script = tmp_path / "crs.mjs"
    script.write_text(
        CRS_CHECK % {"module": json.dumps(module.as_uri()), "points": json.dumps(CRS_POINTS)},
        encoding="utf-8",
    )
    out = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for (lng, lat), answer in zip(CRS_POINTS, json.loads(out.stdout), strict=True):
        expected = wgs84_to_gcj02(lng, lat)
        assert answer["gcj"] == pytest.approx(expected, abs=1e-12), (lng, lat)
        assert answer["back"] == pytest.approx(gcj02_to_wgs84(*expected), abs=1e-9), (lng, lat)
        assert answer["back"] == pytest.approx([lng, lat], abs=1e-6)
        if lng > 70:  # in China the shift is real: tens to hundreds of metres
            assert abs(answer["gcj"][0] - lng) + abs(answer["gcj"][1] - lat) > 1e-4
        else:
            assert answer["gcj"] == [lng, lat]


CLUSTER_CHECK = """
import { cluster } from %(module)s
const dots = %(dots)s
console.log(JSON.stringify(%(radii)s.map((radius) => cluster(dots, radius))))
"""


def test_the_pages_clusters_take_every_report_once_within_a_fingertip(tmp_path):
    """附近的举报 clusters on the phone (console/report/src/cluster.js): greedily, each report
    not yet taken takes those within the radius. So every report is in exactly one circle, each
    within the radius of its cluster's first, no two firsts are within the radius of each
    other (what the grid of cells must not miss), and a cluster is open if any of its is."""
    import json
    import math
    import random
    import shutil
    import subprocess
    from pathlib import Path

    node = shutil.which("node")
    if not node:
        pytest.fail("Node.js is needed to build the console (scripts/build-console.sh)")
    rng = random.Random(20261205)
    dots = [
        {
            "key": str(i),
            # a dense spot, a town and a few far away, in the map's units (metres)
            "at": [rng.gauss(0, 40), rng.gauss(0, 40)]
            if i % 3 == 0
            else [rng.uniform(-3000, 3000), rng.uniform(-3000, 3000)],
            "status": "closed" if i % 4 else "open",
        }
        for i in range(1000)
    ]
    radii = [0, 25, 250, 2500]
    module = Path(__file__).resolve().parents[2] / "console" / "report" / "src" / "cluster.js"
    script = tmp_path / "cluster.mjs"
    script.write_text(
        CLUSTER_CHECK
        % {"module": json.dumps(module.as_uri()), "dots": json.dumps(dots), "radii": radii},
        encoding="utf-8",
    )
    out = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    at = {d["key"]: d["at"] for d in dots}
    status = {d["key"]: d["status"] for d in dots}
    for radius, shown in zip(radii, json.loads(out.stdout), strict=True):
        members = [item.get("keys", [item["key"]]) for item in shown]
        assert sorted(k for keys in members for k in keys) == sorted(at), radius
        firsts = [keys[0] for keys in members]
        for keys in members:
            assert all(math.dist(at[k], at[keys[0]]) <= radius for k in keys)
        for i, a in enumerate(firsts):
            assert all(math.dist(at[a], at[b]) > radius for b in firsts[i + 1 :]), radius
        for item in shown:
            if "count" in item:
                assert item["count"] == len(item["keys"]) > 1
                any_open = any(status[k] == "open" for k in item["keys"])
                assert item["status"] == ("open" if any_open else "closed")
        if radius == 0:
            assert len(shown) == len(dots)
        if radius == 250:
            assert max(item.get("count", 1) for item in shown) >= 300  # the dense spot: one


def test_the_units_page_is_served_from_a_build_kept_elsewhere(report_build):
    """FIREGRID_UNIT_PAGE_DIR: a deployment that builds the units' page apart from the code."""
    from backend.app import create_app
    from backend.core.settings import get_settings

    settings = get_settings().model_copy(update={"unit_page_dir": report_build})
    with serving(create_app(settings), settings) as url, httpx.Client(base_url=url) as client:
        index = client.get("/unit/")
        assert index.status_code == 200
        assert "index-r1.js" in index.text
        assert client.get("/unit/assets/index-r1.js").text == "console.log('随手拍')"
