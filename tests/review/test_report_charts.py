"""The report's charts as PNG: Chinese labels with a CJK TrueType font, ASCII without one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from yingji.core.documents import fonts
from yingji.review.report import charts

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def facts(units: int = 3) -> dict:
    by_unit = [
        {
            "path": f"3301{i:02d}",
            "name": f"测试区{i}",
            "levels": [i, 1, 0, 2],
            "ack_rate": None if i == 0 else 0.5 + i / 10,
        }
        for i in range(units)
    ]
    warnings = [{"alert": True, "lead": v} for v in (-5.0, 20.0, 45.0, 60.0, 300.0)]
    relief = [{"hours": h} for h in (1.0, 9.5, 10.0, 30.0, None)]
    return {"by_unit": by_unit, "warnings": warnings, "relief": relief}


def test_the_specs_count_what_the_report_counts():
    warnings, lead, ack, relief = charts.specs(facts())
    assert warnings.stacked and [s.values for s in warnings.series][3] == [2.0, 2.0, 2.0]
    assert lead.series[0].values == [1.0, 1.0, 1.0, 1.0, 0.0, 1.0]  # 60 is on target: 60–120
    assert ack.series[0].values == [None, 60.0, 70.0] and ack.target == 100.0
    assert relief.series[0].values == [1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]  # 10 h: 10–24


@pytest.mark.parametrize("font", [None, DEJAVU])
@pytest.mark.parametrize("units", [0, 1, 90])
def test_every_chart_draws_with_and_without_a_font(font, units):
    if font and not Path(font).is_file():
        pytest.skip("DejaVu is not installed")
    for chart in charts.specs(facts(units)):
        data = charts.png(chart, font, use_default=False)
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG" and image.size == (charts.WIDTH, charts.HEIGHT)


def test_labels_fall_back_to_ascii_without_a_truetype_font(monkeypatch):
    monkeypatch.setattr(charts, "PILLOW_ONLY_FONTS", ())  # as on a machine without Noto CJK
    monkeypatch.setattr(fonts, "pdf_font", lambda: fonts.PdfFont(fonts.CID_FALLBACK))
    assert charts.cjk_font_path() is None
    assert charts._ascii("≥60 分钟 西湖区", cjk=False).isascii()
    monkeypatch.setattr(fonts, "pdf_font", lambda: fonts.PdfFont("YingjiCJK-x", DEJAVU))
    assert charts.cjk_font_path() == (DEJAVU if Path(DEJAVU).is_file() else None)
    monkeypatch.setattr(fonts, "pdf_font", lambda: fonts.PdfFont("x", "/nonexistent/font.ttf"))
    assert charts.cjk_font_path() is None
    chart = charts.specs(facts())[0]
    assert charts.png(chart)[:8] == b"\x89PNG\r\n\x1a\n"  # the default: ASCII here


def test_a_cff_cjk_font_pillow_can_draw_gives_chinese_labels(monkeypatch):
    noto = charts.PILLOW_ONLY_FONTS[0]
    if not Path(noto).is_file():
        pytest.skip("Noto Sans CJK is not installed")
    monkeypatch.setattr(fonts, "pdf_font", lambda: fonts.PdfFont(fonts.CID_FALLBACK))
    assert charts.cjk_font_path() == noto
    chart = charts.specs(facts(3))[0]
    assert charts.png(chart)[:8] == b"\x89PNG\r\n\x1a\n"
