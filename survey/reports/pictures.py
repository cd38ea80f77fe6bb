"""The results page's bar charts (``survey.charts``) as PNG images for Word documents.

The same geometry the page draws as inline SVG is written out as a standalone SVG with its colours
inline (a document has no stylesheet) and rasterised by cairosvg: the annex and the page show the
same chart, and no plotting library with its own layout is needed.
"""
from __future__ import annotations

from html import escape

import cairosvg

from survey.charts import BarChart

BAR = "#2b6cb0"
TEXT = "#1a202c"
FONT = "DejaVu Sans, Liberation Sans, sans-serif"
#: pixels per SVG unit: sharp when printed at the page width
SCALE = 2.0


def chart_svg(chart: BarChart) -> str:
    """*chart* as a standalone SVG document (every label escaped)."""
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{chart.width}" height="{chart.height}" '
             f'viewBox="0 0 {chart.width} {chart.height}" font-family="{FONT}" font-size="12">'),
             f'<rect width="{chart.width}" height="{chart.height}" fill="#ffffff"/>']
    for bar in chart.bars:
        parts.append(f'<text x="{chart.label_width - 8}" y="{bar.middle + 4}" text-anchor="end" fill="{TEXT}">'
                     f'{escape(bar.short_label)}</text>')
        if not bar.is_empty:
            parts.append(f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" fill="{BAR}"/>')
        parts.append(f'<text x="{bar.x + bar.width + 6}" y="{bar.middle + 4}" fill="{TEXT}">'
                     f'{escape(bar.display)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def chart_png(chart: BarChart) -> bytes:
    """*chart* rasterised as a PNG."""
    return cairosvg.svg2png(bytestring=chart_svg(chart).encode("utf-8"), scale=SCALE)
