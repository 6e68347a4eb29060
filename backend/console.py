"""The station/brigade console (console/, a Vue single-page app) served at /console/ by the
app itself: no second web server, and nothing the browser loads comes from outside. The
citizens' page 随手拍 (console/report/, built into console/dist-report) is served the same way
at /report/ (docs/citizens.md), and the unit's page (console/unit/, built into
console/dist-unit) at /unit/ (docs/unit-page.md).

`scripts/build-console.sh` builds it into console/dist (FIREGRID_CONSOLE_DIR elsewhere). The
directory is read on each request, so a build made while the server runs is served at once;
without a build, /console/ says in Chinese how to make one (503), never a 500.
"""

from __future__ import annotations

import gzip
import mimetypes
import re
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from backend.core.errors import Forbidden
from backend.core.settings import Settings
from backend.identity.dependencies import CurrentPrincipal
from backend.identity.permissions import Permission, may

PATH = "/console"
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "console" / "dist"
REPORT_PATH = "/report"
REPORT_DEFAULT_DIR = Path(__file__).resolve().parent.parent / "console" / "dist-report"
UNIT_PATH = "/unit"
UNIT_DEFAULT_DIR = Path(__file__).resolve().parent.parent / "console" / "dist-unit"
# Vite names everything under assets/ after its content: a new build is a new name, so a
# browser may keep them for good. index.html names the current ones: asked again every time.
HASHED = "assets/"
FOREVER = "public, max-age=31536000, immutable"
ALWAYS_ASK = "no-cache"

NOT_BUILT = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>管理端尚未构建</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; line-height: 1.7">
<h1>管理端尚未构建</h1>
<p>服务器上还没有管理端的前端文件（{directory}），所以暂时无法打开管理端。接口（/api/v1/）不受影响。</p>
<p>请在 firegrid 的项目目录中运行：</p>
<pre style="background: #f4f4f5; padding: 0.8em">scripts/build-console.sh</pre>
<p>（<code>make run</code> 会自动构建；需要 Node.js 18 或更高版本。）构建完成后刷新本页即可，无需重启服务。</p>
</body></html>
"""

# A public page: it names no server directory (the console's, for staff, does).
REPORT_NOT_BUILT = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>随手拍暂不可用</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em; line-height: 1.7">
<h1>随手拍页面暂不可用</h1>
<p>本页面正在维护。如需举报火灾隐患，请拨打 96119。</p>
<p>管理员请在 firegrid 的项目目录中运行 <code>scripts/build-console.sh</code>，构建完成后刷新即可。</p>
</body></html>
"""

# The unit's page: opened from an SMS link to a notice; it too names no server directory.
UNIT_NOT_BUILT = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>页面暂不可用</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em; line-height: 1.7">
<h1>页面暂不可用</h1>
<p>本页面正在维护，请稍后再打开短信中的链接，或联系属地消防工作站。</p>
<p>管理员请在 firegrid 的项目目录中运行 <code>scripts/build-console.sh</code>，构建完成后刷新即可。</p>
</body></html>
"""


# A subdomain range in a tile template's host, as OpenLayers expands it: {a-c}, {0-7}.
_RANGE = re.compile(r"\{([a-z0-9])-([a-z0-9])\}")


def tile_origins(settings: Settings) -> list[str]:
    """The origins the configured basemap's tiles come from (each subdomain of a {a-c} or
    {0-7} range), for the console's CSP; none without a basemap."""
    if not settings.basemap_url:
        return []
    parts = urlsplit(settings.basemap_url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    found = _RANGE.search(netloc)
    if not found:
        return [f"{parts.scheme}://{netloc}"]
    first, last = found.group(1), found.group(2)
    return [
        f"{parts.scheme}://{netloc[: found.start()]}{chr(code)}{netloc[found.end() :]}"
        for code in range(ord(first), ord(last) + 1)
    ]


def console_csp(settings: Settings) -> str:
    """The console's Content-Security-Policy: its own scripts and styles (Element Plus sets
    inline styles), the API on the same origin, images from itself and from the configured
    basemap's tile host only."""
    images = " ".join(["'self'", "data:", "blob:", *tile_origins(settings)])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


class Basemap(BaseModel):
    url: str  # an OpenLayers XYZ template, the key already in it
    crs: Literal["gcj02", "wgs84"]
    attribution: str | None


class ConsoleConfig(BaseModel):
    # The CRS to ask the map API in (`crs=`): the basemap's, so that boundaries line up on it.
    map_crs: Literal["gcj02", "wgs84"]
    basemap: Basemap | None


def config_router_for(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/api/v1/console", tags=["console"])

    @router.get("/config", response_model=ConsoleConfig)
    def console_config(principal: CurrentPrincipal) -> ConsoleConfig:
        """What the console needs from the server's configuration: the map's basemap (none by
        default: boundaries on a plain background) and the CRS to ask the map layers in (the
        basemap's, so that boundaries line up on it). For the console's users only."""
        if not may(principal.role, Permission.USE_CONSOLE):
            raise Forbidden("the console is for grid leaders, stations, brigades and dispatchers")
        if not settings.basemap_url:
            return ConsoleConfig(map_crs="wgs84", basemap=None)
        url = settings.basemap_url.replace("{key}", settings.basemap_key or "")
        return ConsoleConfig(
            map_crs=settings.basemap_crs,
            basemap=Basemap(
                url=url, crs=settings.basemap_crs, attribution=settings.basemap_attribution
            ),
        )

    return router


def report_csp(settings: Settings) -> str:
    """The citizens' page's Content-Security-Policy: as the console's (its map draws the
    township boundaries itself, or tiles of the deployment's own basemap), and it may ask
    for the phone's camera and position (those are permissions, not sources)."""
    return console_csp(settings)


def unit_csp(settings: Settings) -> str:
    """The unit's page's Content-Security-Policy: its own scripts and styles, the API on the
    same origin, and blob: for the notice's PDF it fetches with the link's key and opens, and
    for a photo's preview. No map, so no tile host."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def console_dir(settings: Settings) -> Path:
    return (settings.console_dir or DEFAULT_DIR).resolve()


def report_dir(settings: Settings) -> Path:
    return (settings.report_page_dir or REPORT_DEFAULT_DIR).resolve()


def unit_dir(settings: Settings) -> Path:
    return (settings.unit_page_dir or UNIT_DEFAULT_DIR).resolve()


# Scripts and style sheets compress to a third: on a phone's slow line (the citizens' page) that
# is seconds. Each hashed asset is compressed once per build and kept (a few hundred KB in all).
COMPRESSIBLE = {".js", ".css", ".svg", ".json", ".html"}


@lru_cache(maxsize=64)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def _takes_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in {"gzip", "*"}:
            return params.replace(" ", "") not in {"q=0", "q=0.0", "q=0.00", "q=0.000"}
    return False


def _asset(file: Path, request: Request, headers: dict[str, str]) -> Response:
    if file.suffix in COMPRESSIBLE and _takes_gzip(request):
        stat = file.stat()
        media = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return Response(
            _gzipped(str(file), stat.st_mtime_ns, stat.st_size),
            media_type=media,
            headers={**headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )
    return FileResponse(file, headers={**headers, "Vary": "Accept-Encoding"})


def router_for(
    directory: Path, csp: str, prefix: str = PATH, not_built: str = NOT_BUILT
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    policy = {"Content-Security-Policy": csp}

    @router.api_route(prefix, methods=["GET", "HEAD"])
    def to_app(request: Request) -> Response:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{prefix}/{query}", status_code=307)

    @router.api_route(prefix + "/{path:path}", methods=["GET", "HEAD"])
    def app_file(path: str, request: Request) -> Response:
        index = directory / "index.html"
        if not index.is_file():
            return HTMLResponse(
                not_built.format(directory=escape(str(directory))),
                status_code=503,
                headers={"Cache-Control": "no-store", "Retry-After": "60"},
            )
        wanted = (directory / path).resolve()
        if path and wanted.is_relative_to(directory) and wanted.is_file():
            if path.startswith(HASHED):
                return _asset(wanted, request, {"Cache-Control": FOREVER, **policy})
            return FileResponse(wanted, headers={"Cache-Control": ALWAYS_ASK, **policy})
        if path.startswith(HASHED):
            # A script or style sheet of another build (a tab open across a deployment):
            # index.html in its place would only fail as a script. Reload the page.
            return Response(status_code=404, headers={"Cache-Control": "no-store"})
        # Any other path is one of the app's own screens (/console/hazards, ...): its router
        # shows it from index.html.
        return FileResponse(index, headers={"Cache-Control": ALWAYS_ASK, **policy})

    return router


def mount(app: FastAPI, settings: Settings) -> None:
    app.include_router(config_router_for(settings))
    app.include_router(router_for(console_dir(settings), console_csp(settings)))
    app.include_router(
        router_for(report_dir(settings), report_csp(settings), REPORT_PATH, REPORT_NOT_BUILT)
    )
    app.include_router(
        router_for(unit_dir(settings), unit_csp(settings), UNIT_PATH, UNIT_NOT_BUILT)
    )
