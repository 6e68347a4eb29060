"""The station/brigade console (console/, a Vue single-page app) served at /console/ by the
app itself: no second web server, and nothing the browser loads comes from outside.

`scripts/build-console.sh` builds it into console/dist (FIREGRID_CONSOLE_DIR elsewhere). The
directory is read on each request, so a build made while the server runs is served at once;
without a build, /console/ says in Chinese how to make one (503), never a 500.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from backend.core.settings import Settings

PATH = "/console"
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "console" / "dist"
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


def console_dir(settings: Settings) -> Path:
    return (settings.console_dir or DEFAULT_DIR).resolve()


def router_for(directory: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.api_route(PATH, methods=["GET", "HEAD"])
    def to_console(request: Request) -> Response:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{PATH}/{query}", status_code=307)

    @router.api_route(PATH + "/{path:path}", methods=["GET", "HEAD"])
    def console_file(path: str) -> Response:
        index = directory / "index.html"
        if not index.is_file():
            return HTMLResponse(
                NOT_BUILT.format(directory=escape(str(directory))),
                status_code=503,
                headers={"Cache-Control": "no-store", "Retry-After": "60"},
            )
        wanted = (directory / path).resolve()
        if path and wanted.is_relative_to(directory) and wanted.is_file():
            cache = FOREVER if path.startswith(HASHED) else ALWAYS_ASK
            return FileResponse(wanted, headers={"Cache-Control": cache})
        if path.startswith(HASHED):
            # A script or style sheet of another build (a tab open across a deployment):
            # index.html in its place would only fail as a script. Reload the page.
            return Response(status_code=404, headers={"Cache-Control": "no-store"})
        # Any other path is one of the app's own screens (/console/hazards, ...): its router
        # shows it from index.html.
        return FileResponse(index, headers={"Cache-Control": ALWAYS_ASK})

    return router


def mount(app: FastAPI, settings: Settings) -> None:
    app.include_router(router_for(console_dir(settings)))
