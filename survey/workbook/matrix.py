"""The Matriz sheet: institutions × axes and regions × axes, coloured on one 0-100 scale.

A group with no submitted response (or no index on an axis) gets an empty cell, never
zero, so that "nobody answered" cannot be read as "no compliance".
"""
from __future__ import annotations

from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.utils import get_column_letter

from survey.workbook import figures
from survey.workbook.cells import ONE_DECIMAL, Sheet
from survey.workbook.i18n import text
from survey.workbook.questions import RoundQuestions

#: red at 0, amber at 50, green at 100: the same colours for every block and every workbook
SCALE = {"start_type": "num", "start_value": 0, "start_color": "F8696B",
         "mid_type": "num", "mid_value": 50, "mid_color": "FFEB84",
         "end_type": "num", "end_value": 100, "end_color": "63BE7B"}


def write_matrix(sheet: Sheet, questions: RoundQuestions, indices: figures.Indices, lang: str) -> None:
    """Write both blocks and colour their index cells."""
    # With State officials and civil society invited, each axis has a column per sector (each is asked its own).
    sectors = indices.sectors if indices.is_split else (None,)
    columns = [(axis.key, sector) for axis in questions.framework.axes for sector in sectors]
    headers = [f"{axis.name.get(lang)} · {text(f'sector.{sector}', lang)}" if sector else axis.name.get(lang)
               for axis in questions.framework.axes for sector in sectors]
    blocks = [
        (text("institution", lang), indices.institutions, text("no_institution", lang)),
        (text("region", lang), indices.regions, text("no_region", lang)),
    ]
    sample = [[label, text("responses", lang), *headers] for label, _, _ in blocks]
    sample += [[g.name or unnamed] for _, groups, unnamed in blocks for g in groups]
    sheet.fit_columns(sample, maximum=50)
    sheet.ws.freeze_panes = "B1"
    last_col = get_column_letter(2 + len(columns))
    for position, (label, groups, unnamed) in enumerate(blocks):
        if position:
            sheet.blank()
        sheet.header([label, text("responses", lang), *headers])
        first = sheet.row_count + 1
        for group in groups:
            cells = [sheet.cell(group.name or unnamed), group.responses]
            for axis, sector in columns:
                value = group.index(axis, sector)
                cells.append(sheet.cell.styled(value, number_format=ONE_DECIMAL) if value is not None else None)
            sheet.append_cells(cells)
        if groups:
            sheet.ws.conditional_formatting.add(f"C{first}:{last_col}{sheet.row_count}", ColorScaleRule(**SCALE))
