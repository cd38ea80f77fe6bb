"""What the results page shows, computed from the round's figures (the same ones as the workbook)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from survey import charts
from survey.models import Round
from survey.workbook import figures
from survey.workbook.axes import choice_counts
from survey.workbook.questions import Entry, RoundQuestions, for_round

CHOICES = ("single_choice", "multiple_choice", "yes_no", "likert")
NUMBERS = ("integer", "decimal", "currency")


@dataclass
class QuestionView:
    """One question's block: a chart, a small table, or both."""

    entry: Entry
    stats: figures.QuestionStats
    chart: charts.BarChart | None = None
    #: header row then data rows, for grids
    table: list[list[Any]] = field(default_factory=list)
    numbers: figures.NumberStats | None = None


@dataclass
class AxisView:
    """An axis (or the profile when ``key`` is None) with its questions."""

    key: str | None
    name: str
    questions: list[QuestionView]


@dataclass
class ResultsPage:
    """Everything the results template draws."""

    round: Round
    questions: RoundQuestions
    submitted: int
    participation_total: figures.Participation
    regions: list[figures.Participation]
    institutions: list[figures.Participation]
    indices: figures.Indices
    axes_chart: charts.BarChart
    rate_chart: charts.BarChart
    axes: list[AxisView]


def build_page(round_: Round, lang: str) -> ResultsPage:
    """Gather the figures of *round_* and lay out its charts."""
    questions = for_round(round_)
    indices = figures.axis_indices(round_.id, lang)
    stats = figures.question_stats(round_.id, questions)
    total, regions = figures.participation(round_.id, "region", lang)
    institutions = figures.participation(round_.id, "institution", lang)[1]
    axes = questions.framework.axes
    axes_chart = charts.bar_chart(
        _("Índice nacional por eje (0-100)"),
        [(axis.name.get(lang), indices.national.index(axis.key)) for axis in axes], maximum=100,
        empty=_("sin datos"))
    rate_chart = charts.bar_chart(
        _("Tasa de respuesta por región"),
        [(group.name or _("(sin región)"), group.rate) for group in regions], maximum=1, percent=True)
    views = [AxisView(axis.key, axis.name.get(lang), [question_view(e, stats[e.key], lang)
                                                     for e in questions.on_axis(axis.key)]) for axis in axes]
    profile = questions.on_axis(None)
    if profile:
        views.insert(0, AxisView(None, _("Perfil"), [question_view(e, stats[e.key], lang) for e in profile]))
    return ResultsPage(round_, questions, figures.submitted_count(round_.id), total, regions, institutions, indices,
                       axes_chart, rate_chart, views)


def question_view(entry: Entry, stats: figures.QuestionStats, lang: str) -> QuestionView:
    """The chart or table of one question, by type."""
    q = entry.question
    view = QuestionView(entry, stats)
    title = q.text.get(lang)
    if q.type in CHOICES:
        counts = choice_counts(q, stats, lang)
        shares = [(label, count / stats.answered if stats.answered else None) for label, _code, count in counts]
        displays = [f"{count} ({charts.format_number(share, percent=True)})"
                    for (_label, _code, count), (_name, share) in zip(counts, shares)]
        view.chart = charts.bar_chart(title, shares, maximum=1, displays=displays)
    if q.type in NUMBERS or q.type == "likert":
        view.numbers = stats.numbers.get("")
    if q.type in NUMBERS and view.numbers is not None:
        n = view.numbers
        view.chart = charts.bar_chart(title, [(_("Mínimo"), n.minimum), (_("Mediana"), n.median),
                                              (_("Media"), n.mean), (_("Máximo"), n.maximum)])
    if q.type == "matrix" and q.cell_type == "integer":
        view.table = [[_("Fila"), *[c.label.get(lang) for c in q.columns]]]
        for row in q.rows:
            cells = [stats.numbers.get(f"{row.value}__{col.value}") for col in q.columns]
            view.table.append([row.label.get(lang), *[charts.format_number(c.mean if c else None) for c in cells]])
    elif q.type == "matrix":
        view.table = [[_("Fila"), *[o.label.get(lang) for o in q.options]]]
        for row in q.rows:
            view.table.append([row.label.get(lang), *[stats.count(o.value, str(row.value)) for o in q.options]])
    return view
