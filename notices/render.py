"""A notice drawn as a one- or two-page A4 PDF (reportlab's Platypus, the Chinese font of
backend/core/fonts.py embedded as a subset): the issuing body, the title and number, the
paragraphs, the issuer and date with the seal over them, and the receipt to sign 送达回执.
No database, no web imports: the filled text in, bytes out. The output is invariant (no
timestamp or random id inside), so the same text gives the same bytes and the same hash."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from pathlib import Path

from backend.core.fonts import register_pdf_font

_lock = threading.Lock()  # reportlab's font registry is process-wide


@dataclass(frozen=True)
class Document:
    issuer: str  # the issuing body's name, the header
    title: str  # 责令限期改正通知书
    number: str  # 穗消限字〔2026〕第0007号
    paragraphs: tuple[str, ...]
    date: str  # 2026年12月6日
    seal: Path | None  # a PNG drawn over the issuer and date; None: no seal


def render(document: Document, font: Path) -> bytes:
    with _lock:
        # First: reportlab.lib.styles takes the canvas's base font when it is first imported.
        name = register_pdf_font(font)
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_CENTER, TA_RIGHT
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm
        from reportlab.platypus import (
            Flowable,
            HRFlowable,
            Paragraph,
            SimpleDocTemplate,
            Spacer,
        )

        body = ParagraphStyle(
            "body", fontName=name, fontSize=12, leading=21, wordWrap="CJK", firstLineIndent=24
        )
        first = ParagraphStyle("first", parent=body, firstLineIndent=0)
        header = ParagraphStyle(
            "header",
            fontName=name,
            fontSize=20,
            leading=28,
            alignment=TA_CENTER,
            textColor=colors.HexColor("#c0392b"),
        )
        title = ParagraphStyle("title", parent=header, fontSize=18, textColor=colors.black)
        number = ParagraphStyle("number", parent=first, alignment=TA_RIGHT, fontSize=11)
        right = ParagraphStyle("right", parent=first, alignment=TA_RIGHT)
        small = ParagraphStyle("small", parent=first, fontSize=10.5, leading=18)

        class Seal(Flowable):
            """The seal image, drawn over the issuer's line and the date (width 0: it takes
            no room of its own)."""

            def __init__(self, path: Path) -> None:
                super().__init__()
                self.path, self.width, self.height = path, 0, 0

            def draw(self) -> None:
                size = 40 * mm
                self.canv.drawImage(
                    str(self.path),
                    114 * mm,
                    -30 * mm,
                    size,
                    size,
                    mask="auto",
                    preserveAspectRatio=True,
                )

        story: list = [
            Paragraph(_escape(document.issuer), header),
            Paragraph(_escape(document.title), title),
            Spacer(1, 2 * mm),
            Paragraph(_escape(document.number), number),
            HRFlowable(width="100%", thickness=1.2, color=colors.HexColor("#c0392b")),
            Spacer(1, 4 * mm),
        ]
        for i, text in enumerate(document.paragraphs):
            story.append(Paragraph(_escape(text), first if i == 0 else body))
            story.append(Spacer(1, 1.5 * mm))
        story += [Spacer(1, 12 * mm)]
        if document.seal is not None:
            story.append(Seal(document.seal))
        story += [
            Paragraph(_escape(document.issuer), right),
            Paragraph(_escape(document.date), right),
            Spacer(1, 14 * mm),
            HRFlowable(width="100%", thickness=0.6, dash=(3, 3), color=colors.grey),
            Paragraph("送达回执", title),
            Spacer(1, 3 * mm),
            Paragraph(f"文书：{_escape(document.title)}（{_escape(document.number)}）", small),
            Paragraph("受送达人（签名或盖章）：__________________", small),
            Paragraph("送达日期：______年____月____日　　送达方式：__________", small),
            Paragraph("送达人：__________________", small),
        ]
        out = io.BytesIO()
        SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=25 * mm,
            rightMargin=25 * mm,
            topMargin=22 * mm,
            bottomMargin=20 * mm,
            title=f"{document.title} {document.number}",
            author=document.issuer,
            invariant=1,
        ).build(story)
        return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
