"""The report's four charts: one spec each, drawn by ECharts on the page and here as PNG (Pillow,
no matplotlib) for the Word and PDF documents.

1. warnings per county by colour (stacked bars), 2. lead-time distribution, 3. 叫应 rate per
county against the target, 4. relief-time distribution against 10 hours.

Chinese labels need a CJK TrueType font: the one :func:`yingji.core.documents.fonts.pdf_font`
found, when it is a .ttf/.ttc file. Without one (the PDF then uses the built-in CID font,
which Pillow cannot draw) the PNG labels fall back to ASCII: county codes and short English.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from yingji.core.documents import fonts
from yingji.review.report.gaps import ACK_TARGET
from yingji.review.report.response import RELIEF_HOURS

COLOURS: Final = ("#1e6fd9", "#e6b800", "#f08c00", "#d62728")  # 蓝 黄 橙 红
ASCII_COLOURS: Final = ("Blue", "Yellow", "Orange", "Red")
LEAD_BINS: Final = ((None, 0), (0, 30), (30, 60), (60, 120), (120, 240), (240, None))
RELIEF_BINS: Final = ((0, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, 24), (24, None))
WIDTH, HEIGHT = 1200, 600
FONT_SIZE = 22


@dataclass
class Series:
    name: str
    ascii_name: str
    values: list[float | None]
    color: str = "#1e6fd9"


@dataclass
class Chart:
    key: str
    title: str
    ascii_title: str
    categories: list[str]
    ascii_categories: list[str]
    series: list[Series] = field(default_factory=list)
    stacked: bool = False
    target: float | None = None  # a horizontal line (value axis)
    percent: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "categories": self.categories,
            "series": [{"name": s.name, "values": s.values, "color": s.color} for s in self.series],
            "stacked": self.stacked,
            "target": self.target,
            "percent": self.percent,
        }


def _bin_label(low: float | None, high: float | None, unit: str) -> str:
    if low is None:
        return f"<{high}{unit}"
    if high is None:
        return f"≥{low}{unit}"
    return f"{low}–{high}{unit}"


def _count(
    values: list[float], bins: tuple[tuple[float | None, float | None], ...]
) -> list[float | None]:
    return [
        float(sum(1 for v in values if (lo is None or v >= lo) and (hi is None or v < hi)))
        for lo, hi in bins
    ]


def specs(facts: dict[str, Any]) -> list[Chart]:
    units = facts["by_unit"]
    names = [u["name"] for u in units]
    paths = [u["path"] for u in units]
    levels = Chart(
        "warnings",
        _("Warnings per county by colour"),
        "Warnings per county by colour",
        names,
        paths,
        stacked=True,
    )
    for n in range(4):
        levels.series.append(
            Series(
                _(("Blue", "Yellow", "Orange", "Red")[n]),
                ASCII_COLOURS[n],
                [float(u["levels"][n]) for u in units],
                COLOURS[n],
            )
        )
    leads = [w["lead"] for w in facts["warnings"] if w["alert"] and w["lead"] is not None]
    lead_labels = [_bin_label(lo, hi, " min") for lo, hi in LEAD_BINS]
    lead = Chart(
        "lead",
        _("Warning lead time (first issues)"),
        "Warning lead time (minutes)",
        lead_labels,
        lead_labels,
    )
    lead.series.append(Series(_("Number of warnings"), "Warnings", _count(leads, LEAD_BINS)))
    ack = Chart(
        "ack",
        _("叫应 rate per county"),
        "Acknowledgement rate per county",
        names,
        paths,
        target=ACK_TARGET * 100,
        percent=True,
    )
    ack.series.append(
        Series(
            _("叫应 rate"),
            "Ack rate",
            [None if u["ack_rate"] is None else round(u["ack_rate"] * 100, 1) for u in units],
        )
    )
    hours = [r["hours"] for r in facts["relief"] if r["hours"] is not None]
    relief_labels = [_bin_label(lo, hi, " h") for lo, hi in RELIEF_BINS]
    relief = Chart(
        "relief",
        _("Relief time (event to basic needs met)"),
        f"Relief time (hours; target {RELIEF_HOURS:.0f} h)",
        relief_labels,
        relief_labels,
    )
    relief.series.append(Series(_("Groups"), "Groups", _count(hours, RELIEF_BINS), "#43a047"))
    return [levels, lead, ack, relief]


# ---------------------------------------------------------------- PNG


# Pillow (FreeType) also draws CFF-outline OpenType collections, which reportlab cannot embed:
# the Noto/Source Han CJK fonts Debian installs with Chromium serve the charts' labels.
PILLOW_ONLY_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/source-han-sans/SourceHanSansSC-Regular.otf",
)


def cjk_font_path() -> str | None:
    """A CJK font file for the labels: the PDFs' TrueType font, else a CFF CJK font Pillow
    can draw, else None (then labels are drawn in ASCII)."""
    path = fonts.pdf_font().path
    if path and Path(path).suffix.lower() in (".ttf", ".ttc") and Path(path).is_file():
        return path
    return next((p for p in PILLOW_ONLY_FONTS if Path(p).is_file()), None)


def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    try:
        return ImageFont.load_default(size)
    except TypeError:  # pragma: no cover - Pillow < 10.1 has no sized default
        return ImageFont.load_default()


def png(chart: Chart, font_path: str | None = None, *, use_default: bool = True) -> bytes:
    """The chart as PNG bytes; labels in Chinese with a CJK font, else in ASCII."""
    path = cjk_font_path() if use_default and font_path is None else font_path
    cjk = path is not None
    title = chart.title if cjk else chart.ascii_title
    cats = chart.categories if cjk else chart.ascii_categories
    names = [s.name if cjk else s.ascii_name for s in chart.series]
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    big, small = _font(path, FONT_SIZE + 4), _font(path, FONT_SIZE - 4)
    draw.text((24, 12), _ascii(title, cjk), fill="#222", font=big)
    left, top, right, bottom = 90, 70, WIDTH - 30, HEIGHT - 130
    top_value = _axis_max(chart)
    for i in range(5):  # grid and value axis
        value = top_value * i / 4
        y = bottom - (bottom - top) * i / 4
        draw.line((left, y, right, y), fill="#ddd", width=1)
        label = f"{value:.0f}%" if chart.percent else f"{value:.0f}"
        draw.text((left - 10, y), label, fill="#555", font=small, anchor="rm")
    draw.line((left, top, left, bottom), fill="#888", width=2)
    if not cats:
        draw.text(
            ((left + right) / 2, (top + bottom) / 2),
            _("No data") if cjk else "No data",
            fill="#888",
            font=big,
            anchor="mm",
        )
    slot = (right - left) / max(1, len(cats))
    groups = 1 if chart.stacked else max(1, len(chart.series))
    bar = max(2.0, slot * 0.7 / groups)
    widest = max((draw.textlength(_ascii(c, cjk)[:14], font=small) for c in cats), default=0)
    every = max(1, math.ceil((widest + 12) / slot))  # every n-th label when they would touch
    for c, cat in enumerate(cats):
        x0 = left + slot * c + slot * 0.15
        base = 0.0
        for s, series in enumerate(chart.series):
            value = series.values[c] or 0.0
            x = x0 if chart.stacked else x0 + bar * s
            y_low = bottom - (bottom - top) * base / top_value
            y_high = bottom - (bottom - top) * (base + value) / top_value
            if value > 0:
                draw.rectangle((x, y_high, x + bar, y_low), fill=series.color)
            if chart.stacked:
                base += value
        if c % every:
            continue
        label = _ascii(cat, cjk)[:14]
        draw.text(
            (left + slot * (c + 0.5), bottom + 8), label, fill="#333", font=small, anchor="ma"
        )
    if chart.target is not None:
        y = bottom - (bottom - top) * chart.target / top_value
        draw.line((left, y, right, y), fill="#d62728", width=3)
    x = left
    for s, name in enumerate(names):  # legend
        draw.rectangle((x, HEIGHT - 40, x + 22, HEIGHT - 22), fill=chart.series[s].color)
        draw.text((x + 30, HEIGHT - 31), _ascii(name, cjk), fill="#333", font=small, anchor="lm")
        x += 60 + int(draw.textlength(_ascii(name, cjk), font=small))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _ascii(text: str, cjk: bool) -> str:
    """The label as drawn: unchanged with a CJK font, else its ASCII characters only."""
    if cjk:
        return text
    return "".join(ch if ch.isascii() else "?" for ch in text.replace("–", "-").replace("≥", ">="))


def _axis_max(chart: Chart) -> float:
    if chart.stacked:
        highest = max(
            (sum(s.values[i] or 0 for s in chart.series) for i in range(len(chart.categories))),
            default=0.0,
        )
    else:
        highest = max((v or 0 for s in chart.series for v in s.values), default=0.0)
    highest = max(highest, chart.target or 0.0, 1.0)
    return 100.0 if chart.percent else 4.0 * math.ceil(highest / 4)  # whole-number ticks
