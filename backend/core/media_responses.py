"""The HTTP answer for a stored file, whichever store keeps it: a local file sent as it is, a
file in object storage streamed through the service, or a 307 to a signed URL (public copies
and thumbnails only, when FIREGRID_MEDIA_SERVE=redirect). Routers call `file_response` with
what `PhotoStore.locate` gave, after their own checks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from backend.core.media import Streamed


def file_response(
    where: Path | str | Streamed,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if isinstance(where, str):
        # The URL stops working within minutes: nothing may keep the redirect for longer.
        return RedirectResponse(where, status_code=307, headers={"Cache-Control": "no-store"})
    if isinstance(where, Streamed):
        return StreamingResponse(
            where.chunks,
            media_type=media_type,
            headers={**(headers or {}), "Content-Length": str(where.size)},
        )
    return FileResponse(where, media_type=media_type, headers=dict(headers or {}))
