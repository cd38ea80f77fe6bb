"""What the results page shows, computed from the round's figures (the same ones as the workbook).

The page is built for one scope (``survey.scopes``): a regional coordinator's page is computed from
the responses of their regions only (every figure, chart and row); an observer's is the national
page without anything that could point at a person (see :data:`MIN_GROUP`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import select

from survey import charts, scopes
from survey.extensions import db
from survey.models import Region, Round
from survey.workbook import figures
from survey.workbook.axes import choice_counts
from survey.workbook.questions import Entry, RoundQuestions, for_round

CHOICES = ("single_choice", "multiple_choice", "yes_no", "likert")
NUMBERS = ("integer", "decimal", "currency")
#: an observer sees no index of a group (institution, region, sector) with fewer submitted responses, nor
#: any figure of a round with fewer: with one or two respondents, a group's figure is a person's answer
MIN_GROUP = 3


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


@dataclass(frozen=True)
class HeatColumn:
    """A column of the heat maps: an axis, for every response or for one sector's."""

    axis: str
    sector: str | None
    label: str


@dataclass(frozen=True)
class SectorRow:
    """One axis of the national table by sector: the index of all responses, then of each sector."""

    name: str
    index: float | None
    by_sector: list[tuple[float | None, int]]


def sector_label(sector: str) -> str:
    """What a sector is called on the page."""
    # "Estado" alone is a status elsewhere in the interface: the sector names have their own context.
    return pgettext("sector", "Estado") if sector == "state" else pgettext("sector", "Sociedad civil")


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
    #: the heat maps' value columns: one per axis, or (State and civil society invited) one per axis and sector
    heat_columns: list[HeatColumn] = field(default_factory=list)
    #: per axis, every response then State and civil society side by side (empty unless both were invited)
    sector_rows: list[SectorRow] = field(default_factory=list)
    #: the names of a coordinator's regions the page is limited to; empty for a national page
    scope_names: list[str] = field(default_factory=list)
    #: False for observers: no per-institution participation, no hint at the workbook's free text
    sees_people: bool = True
    #: groups left out of the heat maps because they have fewer than MIN_GROUP responses (observers)
    withheld_groups: int = 0
    #: True when the whole round has fewer than MIN_GROUP responses and an observer is shown no figure
    is_withheld: bool = False
    #: the figures count verified answers only (the page's toggle)
    is_verified_only: bool = False

    @property
    def sector_names(self) -> list[str]:
        """The sectors' names, in the order of the split columns."""
        return [sector_label(sector) for sector in self.indices.sectors]


def build_page(round_: Round, lang: str, scope: scopes.Scope | None = None, *,
               is_verified_only: bool = False) -> ResultsPage:
    """Gather the figures of *round_* seen by *scope* (default: national, with people) and lay out its
    charts (split by sector when both were invited); with *is_verified_only*, the indices and charts count
    verified answers only (participation still counts every response)."""
    scope = scope or scopes.Scope(None, None, True)
    where = None if scope.is_national else scopes.invitations_in_scope(scope)
    questions = for_round(round_)
    indices, withheld = figures.axis_indices(round_.id, lang, where, is_verified_only=is_verified_only), 0
    # An observer sees no question's answers split by sector when one sector's responses are too few.
    small = set() if scope.sees_people else _small_sectors(indices)
    if not scope.sees_people:
        indices, withheld = _without_small_groups(indices)
    stats = figures.question_stats(round_.id, questions, where=where, is_verified_only=is_verified_only)
    split = {sector: figures.question_stats(round_.id, questions, sector, where, is_verified_only=is_verified_only)
             for sector in indices.sectors
             } if indices.is_split and not small else {}
    total, regions = figures.participation(round_.id, "region", lang, where)
    institutions = figures.participation(round_.id, "institution", lang, where)[1] if scope.sees_people else []
    axes = questions.framework.axes
    names = [axis.name.get(lang) for axis in axes]
    if indices.is_split:
        items = charts.grouped_items(names, [(sector_label(sector), [indices.national.index(axis.key, sector)
                                                                      for axis in axes])
                                             for sector in indices.sectors])
    else:
        items = [(name, indices.national.index(axis.key)) for name, axis in zip(names, axes)]
    # Every region of the scope is named, even one nobody was invited from yet.
    scope_names = [] if scope.is_national else [region.name(lang) for region in db.session.scalars(
        select(Region).where(Region.id.in_(sorted(scope.region_ids))).order_by(Region.ubigeo))]
    title = (_("Índice nacional por eje (0-100)") if scope.is_national
             else _("Índice por eje en %(regions)s (0-100)", regions=", ".join(scope_names)))
    axes_chart = charts.bar_chart(title, items, maximum=100, empty=_("sin datos"))
    rate_chart = charts.bar_chart(
        _("Tasa de respuesta por región"),
        [(group.name or _("(sin región)"), group.rate) for group in regions], maximum=1, percent=True)

    def view(entry: Entry) -> QuestionView:
        return question_view(entry, stats[entry.key], lang, {sector: by[entry.key] for sector, by in split.items()},
                             sees_people=scope.sees_people)

    views = [AxisView(axis.key, axis.name.get(lang), [view(e) for e in questions.on_axis(axis.key)]) for axis in axes]
    profile = questions.on_axis(None)
    if profile:
        views.insert(0, AxisView(None, _("Perfil"), [view(e) for e in profile]))
    page = ResultsPage(round_, questions, figures.submitted_count(round_.id, where), total, regions, institutions,
                       indices, axes_chart, rate_chart, views, scope_names=scope_names, sees_people=scope.sees_people,
                       is_verified_only=is_verified_only)
    if not scope.sees_people:
        page.withheld_groups = withheld
        page.is_withheld = page.submitted < MIN_GROUP
    sectors = indices.sectors if indices.is_split else (None,)
    page.heat_columns = [HeatColumn(axis.key, sector, f"{name} · {sector_label(sector)}" if sector else name)
                         for axis, name in zip(axes, names) for sector in sectors]
    if indices.is_split:
        national = indices.national
        page.sector_rows = [SectorRow(name, national.index(axis.key),
                                      [(national.index(axis.key, sector), national.mean(axis.key, sector).count)
                                       for sector in indices.sectors])
                            for axis, name in zip(axes, names)]
    return page


def _without_small_groups(indices: figures.Indices) -> tuple[figures.Indices, int]:
    """What an observer may see of *indices*: without the institutions and regions of fewer than
    MIN_GROUP responses, and without a sector's index in a group where that sector has fewer;
    and how many groups were left out."""
    kept = figures.Indices(indices.national, [g for g in indices.institutions if g.responses >= MIN_GROUP],
                           [g for g in indices.regions if g.responses >= MIN_GROUP], indices.sectors)
    for group in (kept.national, *kept.institutions, *kept.regions):
        for sector in list(group.sector_axes):
            if group.responses_of(sector) < MIN_GROUP:
                del group.sector_axes[sector]
    withheld = len(indices.institutions) + len(indices.regions) - len(kept.institutions) - len(kept.regions)
    return kept, withheld


def _small_sectors(indices: figures.Indices) -> set[str]:
    """The sectors with fewer than MIN_GROUP responses in the whole page."""
    return {sector for sector in indices.sectors if indices.national.responses_of(sector) < MIN_GROUP}


def _choice_bars(q, stats: figures.QuestionStats, lang: str, codes: list[str] | None = None,
                 sees_people: bool = True) -> tuple[list[str], list[float | None], list[str]]:
    """(labels, shares, texts shown) of a choice question's options (those of *codes*, in that order).

    Without *sees_people*, stored values no option describes (typed by someone, or kept from an older
    version) are counted together under one neutral label instead of being shown as written."""
    counts = choice_counts(q, stats, lang)
    if not sees_people:
        known = {str(option.value) for option in q.options} | {"true", "false"}
        others = sum(count for _label, code, count in counts if str(code) not in known)
        counts = [entry for entry in counts if str(entry[1]) in known]
        if others:
            counts.append((_("Otras respuestas"), "", others))
    if codes is not None:
        found = {str(code): (label, code, count) for label, code, count in counts}
        counts = [found.get(code, (code, code, 0)) for code in codes]
    shares = [count / stats.answered if stats.answered else None for _label, _code, count in counts]
    displays = [f"{count} ({charts.format_number(share, percent=True)})"
                for (_label, _code, count), share in zip(counts, shares)]
    return [label for label, _code, _count in counts], shares, displays


def question_view(entry: Entry, stats: figures.QuestionStats, lang: str,
                  by_sector: dict[str, figures.QuestionStats] | None = None, *,
                  sees_people: bool = True) -> QuestionView:
    """The chart or table of one question, by type; a choice question's chart has a bar per option and
    sector when *by_sector* holds the figures of each sector (*sees_people*: see :func:`_choice_bars`)."""
    q = entry.question
    view = QuestionView(entry, stats)
    title = q.text.get(lang)
    if q.type in CHOICES and by_sector:
        codes = [str(code) for _label, code, _count in choice_counts(q, stats, lang)]
        if not sees_people:
            known = {str(option.value) for option in q.options} | {"true", "false"}
            codes = [code for code in codes if code in known]
        labels = _choice_bars(q, stats, lang, codes)[0]
        bars = {sector: _choice_bars(q, figures_, lang, codes) for sector, figures_ in by_sector.items()}
        items = charts.grouped_items(labels, [(sector_label(sector), shares)
                                              for sector, (_names, shares, _texts) in bars.items()])
        # In the order grouped_items lays the bars out: option by option, each sector's bar.
        displays = [texts[index] for index in range(len(labels)) for _names, _shares, texts in bars.values()]
        view.chart = charts.bar_chart(title, items, maximum=1, displays=displays)
    elif q.type in CHOICES:
        labels, shares, displays = _choice_bars(q, stats, lang, sees_people=sees_people)
        view.chart = charts.bar_chart(title, list(zip(labels, shares)), maximum=1, displays=displays)
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
