"""The Chinese TrueType font that PDF documents are written in (bulletins, notices), found
once and registered with reportlab once per process and font.

reportlab embeds TrueType only, not the CFF outlines of Noto CJK's .ttc: Debian's
fonts-wqy-zenhei, which scripts/bootstrap.sh installs, or the file FIREGRID_BULLETIN_FONT
names (the one font setting for every document)."""

from __future__ import annotations

import threading
from pathlib import Path

from backend.core.errors import Problem

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)
PDF_FONT = "FiregridCJK"

_lock = threading.Lock()
_registered: Path | None = None


class FontMissing(Problem):
    status, slug, title = 503, "bulletin-font-missing", "No Chinese font to render documents"


def find_font(configured: Path | None) -> Path:
    """The TrueType font documents are written in; FontMissing (503) when there is none, with
    what to install, in both languages (the operator reads the log, the user the console)."""
    for candidate in (configured,) if configured else FONT_CANDIDATES:
        if candidate and candidate.is_file():
            return candidate
    raise FontMissing(
        "no Chinese TrueType font for PDF documents: install fonts-wqy-zenhei "
        "(scripts/bootstrap.sh does) or set FIREGRID_BULLETIN_FONT to a .ttf/.ttc file"
    )


def register_pdf_font(font: Path) -> str:
    """Register `font` with reportlab as PDF_FONT (once per process and font) and make it the
    canvas's base font (a canvas starts in Helvetica, which would be listed in every page,
    unembedded); the font's name for styles. Call it before the first import of
    reportlab.lib.styles (or platypus, which imports it): that module takes the base font's
    name as its styles' default when it is imported."""
    global _registered
    with _lock:
        if _registered != font:
            from reportlab import rl_config
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            pdfmetrics.registerFont(TTFont(PDF_FONT, str(font), subfontIndex=0))
            rl_config.canvas_basefontname = PDF_FONT
            _registered = font
    return PDF_FONT
