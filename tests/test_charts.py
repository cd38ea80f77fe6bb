"""Server-side SVG charts: geometry on one scale, text escaped, empty values drawn as empty."""
from __future__ import annotations

from flask import render_template_string

from survey import charts

MACRO = '{% from "results/_charts.html" import bar_chart %}{{ bar_chart(chart, "c1") }}'


def test_bars_share_one_scale():
    chart = charts.bar_chart("Índices", [("A", 50), ("B", 100), ("C", None), ("D", 0)], maximum=100)
    room = charts.WIDTH - chart.label_width - charts.VALUE_ROOM
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == round(room / 2, 2) and widths[1] == round(room, 2) and widths[3] == 0
    assert chart.bars[2].is_empty and chart.bars[2].display == "—"
    assert [bar.display for bar in chart.bars] == ["50", "100", "—", "0"]
    assert chart.bars[1].y > chart.bars[0].y and chart.height >= chart.bars[-1].y + charts.ROW


def test_defaults_and_formats():
    chart = charts.bar_chart("x", [("a", 3), ("b", 6)])
    assert chart.maximum == 6 and chart.bars[1].width > chart.bars[0].width
    assert charts.bar_chart("x", [("a", 2)], maximum=1).bars[0].width == round(
        charts.WIDTH - chart.label_width - charts.VALUE_ROOM, 2)  # clamped to a full bar
    assert charts.format_number(0.256, percent=True) == "25.6 %"
    assert charts.format_number(12.0) == "12" and charts.format_number(2.345) == "2.3"
    assert charts.shorten("x" * 60).endswith("…") and len(charts.shorten("x" * 60)) == charts.MAX_LABEL_CHARS
    assert charts.bar_chart("vacío", []).height > 0


def test_heat_bands():
    assert [charts.heat_class(v) for v in (None, 0, 19.9, 20, 59, 80, 100)] == [
        "heat-none", "heat-0", "heat-0", "heat-1", "heat-2", "heat-4", "heat-4"]


def test_rendered_svg_escapes_labels(app):
    hostile = '<script>alert("x")</script>'
    chart = charts.bar_chart(hostile, [(hostile, 1), ('"><img src=x onerror=alert(1)>', None)])
    with app.test_request_context("/"):
        html = render_template_string(MACRO, chart=chart)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert html.count('class="chart-bar"') == 1  # the empty value has no bar
    assert 'role="img"' in html and 'aria-labelledby="c1-title c1-desc"' in html
    assert "style=" not in html
