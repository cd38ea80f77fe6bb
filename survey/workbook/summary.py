"""The Resumen sheet: what the round is, who answered, and the national index per axis (charted on its own sheet)."""
from __future__ import annotations

from datetime import datetime

from openpyxl.chart import BarChart, Reference
from sqlalchemy import ColumnElement

from survey.models import Round
from survey.models.rounds import SECTORS
from survey.workbook import figures
from survey.workbook.cells import ONE_DECIMAL, PERCENT, Sheet
from survey.workbook.i18n import text
from survey.workbook.questions import RoundQuestions


def write_summary(sheet: Sheet, chart_sheet: Sheet, round_: Round, questions: RoundQuestions,
                  indices: figures.Indices, lang: str, generated_at: datetime, *,
                  where: ColumnElement[bool] | None = None, scope_names: list[str] | None = None) -> None:
    """Fill *sheet* with the round's facts, participation per region and the national axis indices,
    and put the bar chart of those indices on *chart_sheet*.

    A regional workbook (*where* keeps the invitations of *scope_names*' regions) says which regions it
    covers, and its "national" figures are those regions' combined."""
    q = questions.questionnaire
    t = lambda key: text(key, lang)
    facts = [*([(t("scope_regions"), ", ".join(scope_names))] if scope_names is not None else []),
        (t("round"), round_.title),
        (t("questionnaire"), f"{q.title.get(lang)} ({q.key})"),
        (t("versions"), ", ".join(str(n) for n in questions.version_numbers)),
        (t("opens_at"), round_.opens_at),
        (t("closes_at"), round_.closes_at),
        (t("generated_at"), generated_at),
    ]
    total, regions = figures.participation(round_.id, "region", lang, where)
    part_rows = [[t("total"), total.invited, total.submitted, total.rate]]
    part_rows += [[g.name or t("no_region"), g.invited, g.submitted, g.rate] for g in regions]
    axes = [(axis, indices.national.axes.get(axis.key)) for axis in questions.framework.axes]
    rows = [[axis.name.get(lang), mean.value if mean else None, mean.count if mean else 0]
            for axis, mean in axes]
    heading = t("national_index") if scope_names is None else t("regional_index")
    sheet.fit_columns([[heading, *[""] * 3], *facts, [t("region"), t("invited"), t("submitted"),
                                                                    t("rate")], *part_rows, *rows])
    for label, value in facts:
        sheet.append_cells([sheet.cell.styled(label, bold=True), sheet.cell(value)])
    sheet.blank()
    sheet.heading(t("participation"))
    sheet.table([t("region"), t("invited"), t("submitted"), t("rate")], part_rows, formats={3: PERCENT})
    sheet.blank()
    sheet.heading(heading)
    first, last = sheet.table([t("axis"), t("index"), t("responses_with_index")], rows, formats={1: ONE_DECIMAL})
    chart = BarChart()
    chart.type = "bar"
    chart.title = heading
    chart.y_axis.title = t("index")
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.legend = None
    chart.add_data(Reference(sheet.ws, min_col=2, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=first, max_row=last))
    # About a landscape A4 page (cm): the chart sheet prints it alone, scaled to one page.
    chart.width, chart.height = 25, 15
    chart_sheet.ws.add_chart(chart, "A1")
    _write_sectors(sheet, questions, indices, lang)


def _write_sectors(sheet: Sheet, questions: RoundQuestions, indices: figures.Indices, lang: str) -> None:
    """The national index per axis for State officials and for civil society, side by side.

    An axis a sector is never asked about has no index for it (empty, never 0).
    """
    t = lambda key, **params: text(key, lang, **params)
    headers = [t("axis")]
    for sector in SECTORS:
        name = t(f"sector.{sector}")
        headers += [t("index_of", sector=name), t("responses_of", sector=name)]
    national = indices.national
    rows = [[axis.name.get(lang), *[cell for sector in SECTORS for cell in
                                    (national.index(axis.key, sector), national.mean(axis.key, sector).count)]]
            for axis in questions.framework.axes]
    sheet.blank()
    sheet.heading(t("index_by_sector"))
    sheet.table(headers, rows, formats={1: ONE_DECIMAL, 3: ONE_DECIMAL})
