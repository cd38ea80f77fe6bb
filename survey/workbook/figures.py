"""The figures of a round, read with a few SQL queries: shared by the workbook and the results page.

Only submitted responses count. Per-question figures come from the flattened ``answers``
table (GROUP BY on its round/question/value index); axis indices are the arithmetic mean of
the per-response indices that are not null, per group (national, institution, region).

Every function takes an optional *where*, a clause on ``Invitation`` (``survey.scopes.invitations_in_scope``)
limiting the figures to some invitations: a regional coordinator's regions. The figures are then
recomputed from those invitations' responses (a mean of means would weigh regions wrongly), so the
"national" group is the coordinator's regions combined.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, exists, func, select, true

from survey.extensions import db
from survey.models import (
    Answer,
    Institution,
    Invitation,
    Region,
    Response,
    Verification,
)
from survey.models.rounds import SECTORS
from survey.workbook.questions import RoundQuestions

#: question types whose answers are counted per value (or per item)
CHOICE_TYPES = ("single_choice", "multiple_choice", "yes_no", "likert")
#: question types with a numeric summary
NUMBER_TYPES = ("integer", "decimal", "currency", "likert")
BATCH = 2000


@dataclass
class Mean:
    """A running arithmetic mean that ignores missing values."""

    total: float = 0.0
    count: int = 0

    def add(self, value: float | None) -> None:
        """Count *value* unless it is None."""
        if value is not None:
            self.total += float(value)
            self.count += 1

    @property
    def value(self) -> float | None:
        """The mean, or None when nothing was counted."""
        return self.total / self.count if self.count else None


@dataclass
class GroupIndex:
    """Axis indices of one group (the nation, an institution or a region)."""

    id: int | None
    name: str
    code: str = ""
    responses: int = 0
    axes: dict[str, Mean] = field(default_factory=lambda: defaultdict(Mean))
    #: the same per sector ("state", "civil"): sector -> axis -> mean, and sector -> responses
    sector_axes: dict[str, dict[str, Mean]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Mean)))
    sector_responses: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def index(self, axis: str, sector: str | None = None) -> float | None:
        """The group's index on *axis* (of the responses of *sector* only), None when no response has one."""
        mean = (self.axes if sector is None else self.sector_axes.get(sector, {})).get(axis)
        return mean.value if mean else None

    def mean(self, axis: str, sector: str | None = None) -> Mean:
        """The running mean behind :meth:`index` (its ``count`` is the responses with an index)."""
        return (self.axes if sector is None else self.sector_axes.get(sector, {})).get(axis) or Mean()

    def responses_of(self, sector: str | None) -> int:
        """Submitted responses of the group (of *sector* only)."""
        return self.responses if sector is None else self.sector_responses.get(sector, 0)


@dataclass
class Indices:
    """National, per-institution and per-region axis indices of a round."""

    national: GroupIndex
    institutions: list[GroupIndex]
    regions: list[GroupIndex]
    #: the sectors of the round's live invitations, in SECTORS order
    sectors: tuple[str, ...] = ()

    @property
    def is_split(self) -> bool:
        """True when both State officials and civil society were invited: figures are shown per sector."""
        return len(self.sectors) > 1


def is_verified_answer() -> ColumnElement[bool]:
    """True for an ``answers`` row whose answer staff verified."""
    return exists().where(Verification.response_id == Answer.response_id,
                          Verification.question_key == Answer.question_key, Verification.state == "verified")


def is_fully_verified_response() -> ColumnElement[bool]:
    """True for a response every answer of which staff verified (an index mixes all its answers)."""
    return ~exists().where(Answer.response_id == Response.id, ~is_verified_answer())


def axis_indices(round_id: int, lang: str = "es", where: ColumnElement[bool] | None = None, *,
                 is_verified_only: bool = False) -> Indices:
    """Average the per-response axis indices of submitted responses by group (of the invitations *where* keeps).

    Institutions and regions with live invitations but no submitted response are listed
    with empty indices (never zero). With *is_verified_only*, only the responses whose every answer
    staff verified count.
    """
    where = true() if where is None else where
    institutions = {i.id: i for i in db.session.scalars(select(Institution))}
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    national = GroupIndex(None, "")
    by_inst: dict[int | None, GroupIndex] = {}
    by_region: dict[int | None, GroupIndex] = {}
    invited = db.session.execute(
        select(Invitation.institution_id, Invitation.region_id, Invitation.sector).distinct()
        .where(Invitation.round_id == round_id, Invitation.revoked_at.is_(None), where)
    ).all()
    for inst_id, region_id, _sector in invited:
        _group(by_inst, inst_id, institutions, lang)
        _group(by_region, region_id, regions, lang)
    rows = db.session.execute(
        select(Invitation.institution_id, Invitation.region_id, Invitation.sector, Response.scores)
        .join(Invitation, Response.invitation_id == Invitation.id)
        .where(Response.round_id == round_id, Response.submitted_at.is_not(None), where,
               is_fully_verified_response() if is_verified_only else true())
        .execution_options(yield_per=BATCH)
    )
    for inst_id, region_id, sector, scores in rows:
        groups = (national, _group(by_inst, inst_id, institutions, lang), _group(by_region, region_id, regions, lang))
        for group in groups:
            group.responses += 1
            group.sector_responses[sector] += 1
            for axis, value in (scores or {}).items():
                group.axes[axis].add(value)
                group.sector_axes[sector][axis].add(value)
    sectors = tuple(sector for sector in SECTORS if any(row[2] == sector for row in invited))
    return Indices(national, _sorted(by_inst), _sorted(by_region), sectors)


def _group(groups: dict, key: int | None, names: dict, lang: str) -> GroupIndex:
    group = groups.get(key)
    if group is None:
        item = names.get(key)
        if item is None:
            group = GroupIndex(None, "")
        else:
            group = GroupIndex(key, item.name(lang), getattr(item, "code", None) or getattr(item, "ubigeo", ""))
        groups[key] = group
    return group


def _sorted(groups: dict[int | None, GroupIndex]) -> list[GroupIndex]:
    # Named groups alphabetically, the unnamed one (no institution/region) last.
    return sorted(groups.values(), key=lambda g: (g.id is None, g.name.casefold()))


@dataclass
class Participation:
    """Invited and submitted counts of one group."""

    id: int | None
    name: str
    invited: int = 0
    submitted: int = 0

    @property
    def rate(self) -> float | None:
        """Submitted / invited (0..1), None when nobody was invited."""
        return self.submitted / self.invited if self.invited else None


def participation(round_id: int, by: str, lang: str = "es",
                  where: ColumnElement[bool] | None = None) -> tuple[Participation, list[Participation]]:
    """Invited (live invitations) and submitted counts, in total and per region or institution
    (of the invitations *where* keeps)."""
    where = true() if where is None else where
    column = Invitation.region_id if by == "region" else Invitation.institution_id
    model = Region if by == "region" else Institution
    names = {item.id: item.name(lang) for item in db.session.scalars(select(model))}
    rows = db.session.execute(
        select(column, func.count(Invitation.id), func.count(Response.id))
        .select_from(Invitation)
        .outerjoin(Response, (Response.invitation_id == Invitation.id) & Response.submitted_at.is_not(None))
        .where(Invitation.round_id == round_id, Invitation.revoked_at.is_(None), where)
        .group_by(column)
    ).all()
    total = Participation(None, "")
    groups = []
    for key, invited, submitted in rows:
        groups.append(Participation(key, names.get(key, ""), invited, submitted))
        total.invited += invited
        total.submitted += submitted
    groups.sort(key=lambda g: (g.id is None, g.name.casefold()))
    return total, groups


def submitted_count(round_id: int, where: ColumnElement[bool] | None = None) -> int:
    """Number of submitted responses of the round (of the invitations *where* keeps)."""
    where = true() if where is None else where
    return db.session.scalar(
        select(func.count(Response.id)).join(Invitation, Response.invitation_id == Invitation.id)
        .where(Response.round_id == round_id, Response.submitted_at.is_not(None), where)
    ) or 0


@dataclass
class NumberStats:
    """Summary of the numbers given to one question (or grid cell)."""

    count: int
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None


@dataclass
class QuestionStats:
    """What one question's answers add up to."""

    answered: int = 0
    #: (item, value) -> count; item is '' except for multiple choice (the option) and grids (the row)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    #: item -> numbers ('' for a plain numeric question, 'row__col' for integer grid cells)
    numbers: dict[str, NumberStats] = field(default_factory=dict)
    first_date: date | None = None
    last_date: date | None = None

    def count(self, value: Any, item: str = "") -> int:
        """How many answers had *value* (for multiple choice: selected option *item*)."""
        return self.counts.get((item, _code(value)), 0)

    def selected(self, option: Any) -> int:
        """How many responses selected *option* of a multiple-choice question."""
        wanted = _code(option)
        return sum(n for (item, _), n in self.counts.items() if item == wanted)


def _code(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _of_group(round_id: int, sector: str | None, where: ColumnElement[bool] | None, is_verified_only: bool = False):
    """The condition keeping the answer rows of *sector*'s responses among the invitations *where* keeps
    (all rows when both are None: then the (round, question, value) index alone answers the counts),
    verified answers only with *is_verified_only*."""
    if is_verified_only:
        return and_(_of_group(round_id, sector, where), is_verified_answer())
    if sector is None and where is None:
        return true()
    return Answer.response_id.in_(
        select(Response.id).join(Invitation, Response.invitation_id == Invitation.id)
        .where(Response.round_id == round_id, true() if sector is None else Invitation.sector == sector,
               true() if where is None else where))


def question_stats(round_id: int, questions: RoundQuestions, sector: str | None = None,
                   where: ColumnElement[bool] | None = None, *,
                   is_verified_only: bool = False) -> dict[str, QuestionStats]:
    """Counts, numeric summaries and date ranges of every question of the round, keyed by question key.

    With *sector*, of the responses of State officials ("state") or civil society ("civil") only;
    with *where*, of the responses of the invitations it keeps (a coordinator's regions); with
    *is_verified_only*, of the answers staff verified only.
    """
    stats = {entry.key: QuestionStats() for entry in questions}
    by_type = defaultdict(list)
    for entry in questions:
        q = entry.question
        kind = "matrix_" + (q.cell_type or "single_choice") if q.type == "matrix" else q.type
        by_type[kind].append(q.key)
    multiple = set(by_type["multiple_choice"])
    multi = by_type["multiple_choice"] + by_type["matrix_single_choice"] + by_type["matrix_integer"]
    single = [entry.key for entry in questions if entry.key not in set(multi)]
    in_sector = _of_group(round_id, sector, where, is_verified_only)
    base = select(Answer.question_key).where(Answer.round_id == round_id, in_sector)
    if single:
        for key, n in db.session.execute(
            base.add_columns(func.count(Answer.id)).where(Answer.question_key.in_(single)).group_by(Answer.question_key)
        ):
            stats[key].answered = n
    if multi:
        for key, n in db.session.execute(
            base.add_columns(func.count(distinct(Answer.response_id)))
            .where(Answer.question_key.in_(multi)).group_by(Answer.question_key)
        ):
            stats[key].answered = n
    # Choices are grouped on the (round, question, value) index alone, without reading rows: a
    # multiple-choice row's value is the option itself, so only grids need the item column.
    choices = [k for t in CHOICE_TYPES for k in by_type[t]]
    if choices:
        for key, value, n in db.session.execute(
            base.add_columns(Answer.value, func.count())
            .where(Answer.question_key.in_(choices)).group_by(Answer.question_key, Answer.value)
        ):
            _add_count(stats[key], value if key in multiple else "", value, n)
    if by_type["matrix_single_choice"]:
        for key, item, value, n in db.session.execute(
            base.add_columns(Answer.item, Answer.value, func.count())
            .where(Answer.question_key.in_(by_type["matrix_single_choice"]))
            .group_by(Answer.question_key, Answer.item, Answer.value)
        ):
            _add_count(stats[key], item, value, n)
    numeric = [k for t in (*NUMBER_TYPES, "matrix_integer") for k in by_type[t]]
    if numeric:
        _number_stats(round_id, numeric, stats, in_sector)
    if by_type["date"]:
        for key, first, last in db.session.execute(
            base.add_columns(func.min(Answer.value), func.max(Answer.value))
            .where(Answer.question_key.in_(by_type["date"]), Answer.value != "").group_by(Answer.question_key)
        ):
            stats[key].first_date = _iso_date(first)
            stats[key].last_date = _iso_date(last)
    return stats


def _add_count(stats: QuestionStats, item: str | None, value: str, n: int) -> None:
    value = value.lower() if value in ("True", "False") else value
    stats.counts[(item or "", value)] = stats.counts.get((item or "", value), 0) + n


def _number_stats(round_id: int, keys: list[str], stats: dict[str, QuestionStats], in_sector) -> None:
    rows = db.session.execute(
        select(Answer.question_key, Answer.item, func.count(Answer.number), func.avg(Answer.number),
               func.min(Answer.number), func.max(Answer.number))
        .where(Answer.round_id == round_id, Answer.question_key.in_(keys), Answer.number.is_not(None), in_sector)
        .group_by(Answer.question_key, Answer.item)
    ).all()
    for key, item, n, mean, low, high in rows:
        stats[key].numbers[item or ""] = NumberStats(n, _float(mean), _median(round_id, key, item, n, in_sector),
                                                     _float(low), _float(high))


def _median(round_id: int, key: str, item: str, n: int, in_sector) -> float | None:
    """The median from the one or two middle values, fetched in order (no full read)."""
    if not n:
        return None
    middle = db.session.scalars(
        select(Answer.number)
        .where(Answer.round_id == round_id, Answer.question_key == key, Answer.item == item,
               Answer.number.is_not(None), in_sector)
        .order_by(Answer.number).offset((n - 1) // 2).limit(2 - n % 2)
    ).all()
    return sum(middle) / len(middle) if middle else None


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
