"""What the public pages draw from a snapshot: charts, the CSV file, the tables by partition.

Everything here reads the snapshot only (never the database): the public page shows what was
published, whatever was answered since.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from survey import charts

#: the column headers of the public CSV (stable: people build on it)
CSV_COLUMNS = ("table", "kind", "subject", "title", "cell", "label", "n", "value", "suppressed", "licence")


def label(item: dict[str, Any], lang: str) -> str:
    """The label (or title) of a cell or table in *lang*."""
    labels = item.get("label") or item.get("title") or {}
    return labels.get(lang) or labels.get("es") or item.get("key", "")


def chart_of(snapshot: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The table of *snapshot* drawn by the chart *key* ("national" or a table's key), or None."""
    if key == "national":
        return snapshot["national"]
    return next((table for table in snapshot["tables"] if table["key"] == key), None)


def chart_keys(snapshot: dict[str, Any]) -> list[str]:
    """The keys of every chart of the snapshot (each has a stable URL)."""
    return ["national", *(table["key"] for table in snapshot["tables"])]


def bar_chart(table: dict[str, Any], lang: str) -> charts.BarChart:
    """A table's bars: a suppressed cell keeps its label, with no bar and no number."""
    is_share = table["kind"] == "choice"
    hidden = _("suprimido")
    items, displays = [], []
    for cell in table["cells"]:
        value = None if cell.get("suppressed") else cell.get("value")
        items.append((label(cell, lang), value))
        if cell.get("suppressed"):
            displays.append(hidden)
        elif is_share:
            displays.append(f"{cell['n']} ({charts.format_number(value, percent=True)})")
        else:
            displays.append(charts.format_number(value))
    return charts.bar_chart(label(table, lang), items, maximum=1 if is_share else 100, displays=displays)


@dataclass
class Grid:
    """The index tables of one partition laid out as one grid: a row per group, a column per axis."""

    partition: str
    rows: list[tuple[dict[str, str], list[dict[str, Any]]]]
    tables: list[dict[str, Any]]


def grids(snapshot: dict[str, Any]) -> list[Grid]:
    """The index tables grouped by partition (regions, institution types, organisations)."""
    found: dict[str, Grid] = {}
    for table in snapshot["tables"]:
        if table["kind"] != "index":
            continue
        grid = found.setdefault(table["partition"], Grid(table["partition"], [], []))
        grid.tables.append(table)
    for grid in found.values():
        keys = [cell["key"] for cell in grid.tables[0]["cells"]]
        by_key = [{cell["key"]: cell for cell in table["cells"]} for table in grid.tables]
        grid.rows = [(grid.tables[0]["cells"][i]["label"], [cells[key] for cells in by_key])
                     for i, key in enumerate(keys)]
    return list(found.values())


def choice_tables(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The tables of choice questions, in the questionnaire's order."""
    return [table for table in snapshot["tables"] if table["kind"] == "choice"]


def _text(value: str) -> str:
    # A label that starts like a formula would run in a spreadsheet that opens the file.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(snapshot: dict[str, Any], lang: str) -> str:
    """Every published figure, one per line; suppressed figures as a line without numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    licence = snapshot["licence"]["id"]
    tables = [snapshot["national"], *snapshot["tables"]]
    for table in tables:
        subject = table.get("axis") or table.get("question") or ""
        rows = table["cells"] if table["kind"] == "national" else [table["total"], *table["cells"]]
        for cell in rows:
            name = _text(_("Total") if cell["key"] == "total" else label(cell, lang))
            title = _text(label(table, lang))
            if cell.get("suppressed"):
                writer.writerow([table["key"], table["kind"], subject, title, cell["key"], name, "", "",
                                 "1", licence])
            else:
                writer.writerow([table["key"], table["kind"], subject, title, cell["key"], name,
                                 cell["n"], "" if cell["value"] is None else cell["value"], "0", licence])
    return out.getvalue()
