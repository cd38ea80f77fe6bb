"""Small python-docx helpers: tables from the workbook's planned rows, values formatted as printed."""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from typing import Any

from docx.document import Document
from docx.shared import Cm

from survey.charts import BarChart, format_number
from survey.reports.pictures import chart_png
from survey.workbook.cells import PERCENT

#: printed width of a chart (an A4 page less its margins)
CHART_WIDTH = Cm(15)
TABLE_STYLE = "Light Grid Accent 1"


def shown(value: Any, number_format: str | None = None) -> str:
    """*value* as a document prints it: shares as percentages, one decimal, an em dash when missing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return format_number(value, percent=number_format == PERCENT)
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)


def add_table(doc: Document, header: list[str], rows: list[list[Any]],
              formats: list[dict[int, str]] | None = None) -> None:
    """A table with a bold header row; *formats* gives each row's {column: number format}."""
    width = max([len(header), *(len(row) for row in rows)])
    table = doc.add_table(rows=1 + len(rows), cols=width)
    table.style = TABLE_STYLE
    for column, label in enumerate(header):
        table.rows[0].cells[column].text = str(label)
    for index, row in enumerate(rows, 1):
        number_formats = formats[index - 1] if formats else {}
        cells = table.rows[index].cells
        for column, value in enumerate(row):
            cells[column].text = shown(value, number_formats.get(column))


def add_planned(doc: Document, planned: list[tuple[str, list[Any], dict[int, str]]]) -> None:
    """The workbook's planned rows (``survey.workbook.axes.question_rows``) as headings and tables."""
    header: list[str] = []
    rows: list[list[Any]] = []
    formats: list[dict[int, str]] = []

    def flush() -> None:
        if header:
            add_table(doc, header, rows, formats)
        else:  # lines before any header ("Respuestas: 12") read better as text than as a headless table
            for row, number_formats in zip(rows, formats, strict=True):
                doc.add_paragraph(": ".join(shown(v, number_formats.get(i)) for i, v in enumerate(row)))
        header.clear(), rows.clear(), formats.clear()

    for style, values, number_formats in planned:
        if style == "heading":
            flush()
            doc.add_heading(str(values[0]), level=3)
        elif style == "header":
            flush()
            header.extend(str(value) for value in values)
        elif style == "data":
            rows.append(values)
            formats.append(number_formats)
    flush()


def add_chart(doc: Document, chart: BarChart) -> None:
    """*chart* as a PNG picture with its title as the caption."""
    doc.add_picture(BytesIO(chart_png(chart)), width=CHART_WIDTH)
    doc.add_paragraph(chart.title, style="Caption")
