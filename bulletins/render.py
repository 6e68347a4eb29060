"""A bulletin's figures drawn: charts (matplotlib, Agg), the document (reportlab's Platypus,
A4, the Chinese font embedded as a subset) and an image of each page (pdfium), for the
console's preview. No database, no web imports: figures in, bytes out.

The font is the TrueType one backend/core/fonts.py finds (shared with the notices): Debian's
fonts-wqy-zenhei, which scripts/bootstrap.sh installs, or the file FIREGRID_BULLETIN_FONT names."""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.core.fonts import PDF_FONT, register_pdf_font
from bulletins import terms

PAGE_SCALE = 1.5  # page images at 108 dpi: an A4 page is 893 x 1263 px
COLOURS = ["#c0392b", "#2e86c1", "#27ae60", "#f39c12", "#8e44ad", "#16a085", "#7f8c8d"]

# matplotlib's settings and pdfium are process-wide and not thread-safe: one render at a time
# per process (the server renders in its thread pool, the worker in its loop).
_lock = threading.Lock()
_ready: Path | None = None


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: list[bytes]  # PNG, one per page


def _prepare(font: Path) -> None:
    """Register the font with matplotlib and reportlab, once per process and font."""
    global _ready
    if _ready == font:
        return
    import matplotlib

    matplotlib.use("Agg")
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font))
    name = font_manager.FontProperties(fname=str(font)).get_name()
    matplotlib.rcParams["font.family"] = [name, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    register_pdf_font(font)
    _ready = font


def render(figures: dict[str, Any], font: Path) -> Rendered:
    with _lock:
        _prepare(font)
        pdf = _document(figures)
        return Rendered(pdf=pdf, pages=_pages(pdf))


# --- Charts ------------------------------------------------------------------------------------


def _figure(width: float = 7.0, height: float = 2.7):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=150)
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:
    out = io.BytesIO()
    figure.tight_layout()
    figure.savefig(out, format="png")
    return out.getvalue()


def _counts():
    """Ticks at whole numbers: these are counts."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _nothing(axes, text: str = "本月无数据") -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color="#888888")
    axes.set_axis_off()


def trend_chart(trend: list[dict[str, Any]]) -> bytes:
    figure = _figure()
    axes = figure.add_subplot()
    months = [f"{int(t['month'][5:])}月" for t in trend]
    for key, name, colour in (
        ("found", "发现隐患", COLOURS[0]),
        ("closed", "整改销号", COLOURS[2]),
        ("complaints_received", "投诉举报", COLOURS[1]),
    ):
        axes.plot(months, [t[key] for t in trend], marker="o", label=name, color=colour)
    axes.set_title("近7个月趋势", fontsize=11)
    axes.set_ylabel("数量")
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(_counts())
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    return _png(figure)


def bar_chart(
    counts: dict[str, int], table: dict[str, str], title: str, colour: str, height: float = 2.7
) -> bytes:
    figure = _figure(height=height)
    axes = figure.add_subplot()
    items = sorted(((n, c) for c, n in counts.items() if n), reverse=True)[:10]
    if not items:
        _nothing(axes)
    else:
        names = [terms.label(table, c) for _, c in items][::-1]
        values = [n for n, _ in items][::-1]
        bars = axes.barh(names, values, color=colour)
        axes.bar_label(bars, fontsize=8, padding=2)
        axes.set_xlim(right=max(values) * 1.15)
        axes.xaxis.set_major_locator(_counts())
        axes.tick_params(axis="y", labelsize=8)
        axes.grid(axis="x", alpha=0.3)
    axes.set_title(title, fontsize=11)
    return _png(figure)


def pie_chart(counts: dict[str, int], table: dict[str, str], title: str) -> bytes:
    figure = _figure(3.4, 2.7)
    axes = figure.add_subplot()
    items = [(terms.label(table, c), n) for c, n in sorted(counts.items()) if n]
    if not items:
        _nothing(axes)
    else:
        axes.pie(
            [n for _, n in items],
            labels=[name for name, _ in items],
            colors=COLOURS[: len(items)],
            autopct="%1.0f%%",
            textprops={"fontsize": 8},
            startangle=90,
        )
        axes.axis("equal")
    axes.set_title(title, fontsize=11)
    return _png(figure)


# --- The document -------------------------------------------------------------------------------


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _change(now: int, before: int) -> str:
    if before == 0:
        return "上月为0" if now else "与上月持平"
    delta = (now - before) / before * 100
    return "与上月持平" if delta == 0 else f"环比{'上升' if delta > 0 else '下降'}{abs(delta):.1f}%"


def _document(f: dict[str, Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=10.5, leading=17, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=19, leading=28, alignment=1)
    sub = ParagraphStyle("sub", parent=body, fontSize=10, alignment=1, textColor="#555555")
    head = ParagraphStyle("head", parent=body, fontSize=13, leading=22, spaceBefore=8)
    width = A4[0] - 36 * mm

    def table(rows: list[list[Any]], widths: list[float] | None = None) -> Table:
        t = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), PDF_FONT, 9.5),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f3f5")),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8c9cc")),
                    ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return t

    def image(png: bytes, w: float) -> Image:
        from reportlab.lib.utils import ImageReader

        reader = ImageReader(io.BytesIO(png))
        iw, ih = reader.getSize()
        return Image(io.BytesIO(png), width=w, height=w * ih / iw)

    area, h, c, a = f["area"], f["hazards"], f["complaints"], f["assessment"]
    year, month = f["month"].split("-")
    previous = f["trend"][-2] if len(f["trend"]) > 1 else {"found": 0, "closed": 0}
    story: list[Any] = [
        Paragraph(f"{area['name']}消防安全网格化管理简报", title),
        Paragraph(
            f"{year}年{int(month)}月 · {terms.label(terms.AREA_LEVELS, area['level'])}"
            f"（{area['code']}） · 统计截至 {f['as_of'][:16].replace('T', ' ')}",
            sub,
        ),
        Spacer(1, 6 * mm),
        Paragraph("一、总体情况", head),
        Paragraph(
            f"本月共发现火灾隐患 {h['found']} 处（{_change(h['found'], previous['found'])}），"
            f"其中重大火灾隐患 {h['major']} 处；整改销号 {h['closed']} 处"
            f"（{_change(h['closed'], previous['closed'])}），本月发现的隐患中仍有 {h['still_open']} 处未销号。"
            f"责令整改的隐患按期整改 {h['rectified_on_time']} 处、逾期整改 {h['rectified_late']} 处，"
            f"按期整改率 {_percent(h['rectification_on_time_rate'])}。"
            f"受理投诉举报 {c['received']} 件，办结 {c['closed']} 件，"
            f"按时答复率 {_percent(c['on_time_rate'])}。",
            body,
        ),
        Spacer(1, 3 * mm),
        table(
            [
                ["指标", "本月", "指标", "本月"],
                ["发现隐患", h["found"], "整改销号", h["closed"]],
                ["重大火灾隐患", h["major"], "本月发现仍未销号", h["still_open"]],
                ["按期整改", h["rectified_on_time"], "逾期整改", h["rectified_late"]],
                ["升级处置", h["escalated"], "挂牌督办（在督）", h["listed_total"]],
                ["投诉举报受理", c["received"], "投诉举报办结", c["closed"]],
                [
                    "按时答复率",
                    _percent(c["on_time_rate"]),
                    "巡查任务按时完成率",
                    _percent(a["task_on_time_rate"]),
                ],
            ],
            [width * 0.3, width * 0.2, width * 0.3, width * 0.2],
        ),
        Spacer(1, 4 * mm),
        image(trend_chart(f["trend"]), width),
        image(bar_chart(h["by_category"], terms.CATEGORIES, "隐患类别", COLOURS[0]), width),
        PageBreak(),
        Paragraph("二、隐患来源与场所类型", head),
        Table(
            [
                [
                    image(pie_chart(h["by_source"], terms.SOURCES, "隐患来源"), width * 0.49),
                    image(
                        pie_chart(
                            {s: n for s, n in h["closed_by_state"].items()},
                            terms.CLOSED_STATES,
                            "销号方式",
                        ),
                        width * 0.49,
                    ),
                ]
            ],
            colWidths=[width * 0.5, width * 0.5],
        ),
        image(
            bar_chart(h["by_premises_type"], terms.PREMISES_TYPES, "场所类型", COLOURS[1], 2.2),
            width,
        ),
        Paragraph("三、升级处置与挂牌督办", head),
        table(
            [["本月发现的隐患现由", "处"]]
            + [[terms.label(terms.LEVELS, k), n] for k, n in h["by_level"].items()]
            + [[terms.label(terms.LISTING_LEVELS, k), n] for k, n in sorted(h["listed"].items())]
            + [["本月摘牌销号", h["delisted"]]],
            [width * 0.5, width * 0.2],
        ),
        Paragraph("四、投诉举报办理", head),
        table(
            [
                ["受理", "办结", "答复", "按时答复", "按时答复率", "按时签收"],
                [
                    c["received"],
                    c["closed"],
                    c["replied"],
                    c["replied_on_time"],
                    _percent(c["on_time_rate"]),
                    f"{c['signed_on_time']}/{c['signed']}",
                ],
            ],
            [width / 6] * 6,
        ),
        Paragraph("五、网格员考核", head),
        Paragraph(
            f"网格员 {a['workers']} 人，巡查任务 {a['tasks_due']} 项、按时完成 "
            f"{a['tasks_done_on_time']} 项（{_percent(a['task_on_time_rate'])}），走访 {a['visits']} 次"
            f"（有效签到 {a['visits_with_valid_check_in']} 次），巡查发现隐患 {a['hazards_found']} 处，"
            f"一般隐患网格内销号 {a['ordinary_closed_in_grid']} 处，巡查里程 {a['distance_km']} 公里。",
            body,
        ),
        Spacer(1, 2 * mm),
        table(
            [["区域", "网格员", "任务", "按时完成", "走访", "发现隐患", "网格内销号"]]
            + [
                [
                    Paragraph(r["area_name"], body),
                    r["workers"],
                    r["tasks_due"],
                    r["tasks_done_on_time"],
                    r["visits"],
                    r["hazards_found"],
                    r["ordinary_closed_in_grid"],
                ]
                for r in a["areas"]
            ],
            [width * 0.28] + [width * 0.12] * 6,
        ),
    ]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(PDF_FONT, 8)
        canvas.setFillColor(colors.HexColor("#888888"))
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"第 {doc.page} 页 · firegrid 自动生成")
        canvas.restoreState()

    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{area['name']}{year}年{int(month)}月消防安全简报",
        author="firegrid",
    ).build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _pages(pdf: bytes) -> list[bytes]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        out = []
        for page in document:
            image = page.render(scale=PAGE_SCALE).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=False)
            out.append(buffer.getvalue())
            page.close()
        return out
    finally:
        document.close()
