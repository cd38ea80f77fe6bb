"""Regional fact sheets: one A4 page per region, as PDF (WeasyPrint, from templates/reports/factsheet.html).

Each page: the region's response rate, its index per axis next to the national one, the three questions
where it is furthest behind the nation, and its index per axis last year; at the foot of each page, the round,
when the figures were taken (Lima time) and the source. The comparator is the whole
round's for national staff (the point of the sheet), and a regional coordinator's regions combined for
theirs (*comparator_region_ids*: a coordinator sees no figure computed from other regions, as on their
results page); the region's own figures come from its invitations alone (``survey.workbook.figures``
with the region's ``where``).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import render_template
from flask_babel import force_locale
from weasyprint import CSS, HTML

from questionnaires import Question
from survey.charts import format_number
from survey.extensions import db
from survey.models import Round
from survey.models._types import utcnow
from survey.reports import data
from survey.workbook import figures
from survey.workbook.builder import BuildResult

Progress = Callable[[int, int], None]
#: how many of the region's weakest questions a sheet lists
BEHIND = 3


@dataclass
class AxisLine:
    """One axis on a sheet: the region's index, the nation's, and the region's last year."""

    name: str
    region: float | None
    national: float | None
    last_year: float | None

    @property
    def gap(self) -> float | None:
        """Region minus nation (negative: behind)."""
        return None if self.region is None or self.national is None else self.region - self.national

    @property
    def trend(self) -> float | None:
        """This year minus last year."""
        return None if self.region is None or self.last_year is None else self.region - self.last_year


@dataclass
class Sheet:
    """What one region's page shows."""

    name: str
    participation: figures.Participation
    axes: list[AxisLine]
    behind: list[tuple[str, float, float]]


def headline(q: Question, stats: figures.QuestionStats) -> float | None:
    """One 0-100 figure per question where "more is better" is defined: the share of "yes", a scale's
    position between its ends, or the mean points of a scored single choice; None otherwise."""
    if not stats.answered:
        return None
    if q.type == "yes_no":
        return 100 * stats.count(True) / stats.answered
    if q.type == "likert" and q.min is not None and q.max is not None and q.max > q.min:
        number = stats.numbers.get("")
        return None if number is None or number.mean is None else 100 * (number.mean - q.min) / (q.max - q.min)
    if q.type == "single_choice" and q.score is not None and q.score.points:
        points = dict(q.score.points)
        total = sum(points.get(str(o.value), points.get(o.value, 0)) * stats.count(o.value) for o in q.options)
        return 100 * total / stats.answered
    return None


def build(round_id: int, path: str | os.PathLike, *, lang: str = "es", compare_round_id: int | None = None,
          progress: Progress | None = None, region_ids: Iterable[int] | None = None,
          comparator_region_ids: Iterable[int] | None = None) -> BuildResult:
    """Write the fact sheets of *round_id* to *path*: one page per region of *region_ids* (None: every
    region invited), in *lang*, next to the figures of *comparator_region_ids* combined (None: the nation)."""
    lang = "en" if lang == "en" else "es"
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise LookupError(f"round {round_id} does not exist")
    previous = db.session.get(Round, compare_round_id) if compare_round_id else data.previous_round(round_)
    taken_at = utcnow()  # before the first query: the footer must not claim figures newer than those read
    scope = None if comparator_region_ids is None else sorted(comparator_region_ids)
    nation = data.load(round_, lang, scope)
    last = figures.axis_indices(previous.id, lang, data.where_for(scope)) if previous is not None else None
    wanted = None if region_ids is None else set(region_ids)
    groups = [g for g in nation.by_region if g.id is not None and (wanted is None or g.id in wanted)]
    sheets = []
    for number, group in enumerate(groups, 1):
        sheets.append(_sheet(group, nation, last, lang))
        if progress is not None:
            progress(number, len(groups) + 1)
    with force_locale(lang):
        html = render_template("reports/factsheet.html", round=round_, sheets=sheets, previous=previous,
                               lang=lang, number=format_number, is_national=scope is None,
                               taken_at=taken_at)
        css = render_template("reports/factsheet.css")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        HTML(string=html).write_pdf(partial, stylesheets=[CSS(string=css)])
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BuildResult(target, sum(sheet.participation.submitted for sheet in sheets))


def _sheet(group: figures.Participation, nation: data.RoundFigures, last: figures.Indices | None,
           lang: str) -> Sheet:
    region_index = next((g for g in nation.indices.regions if g.id == group.id), None)
    last_index = next((g for g in last.regions if g.id == group.id), None) if last is not None else None
    axes = [AxisLine(axis.name.get(lang), region_index.index(axis.key) if region_index else None,
                     nation.indices.national.index(axis.key),
                     last_index.index(axis.key) if last_index else None)
            for axis in nation.questions.framework.axes]
    stats = figures.question_stats(nation.round.id, nation.questions, where=data.where_for([group.id]))
    gaps = []
    for entry in nation.questions:
        mine, theirs = headline(entry.question, stats[entry.key]), headline(entry.question, nation.stats[entry.key])
        if mine is not None and theirs is not None and mine < theirs:
            gaps.append((entry.question.text.get(lang), mine, theirs))
    gaps.sort(key=lambda gap: gap[1] - gap[2])
    return Sheet(group.name, group, axes, gaps[:BEHIND])
