"""Suppression across tables that share responses (plain Python and numpy: no Flask, no database).

:mod:`survey.publication.suppression` protects each table on its own. Tables of one round are not
independent: regions, institution types and named organisations split the same responses, and an
earlier publication of the round showed figures over fewer of them. With organisations named, a
region's index, the index of its one large organisation and the region's size give back the index of
its one small organisation by subtraction; publishing again after one new response gives that
response's score by subtracting the two national figures.

So the figures are audited together. Responses fall into *groups*, the finest pieces any figure is made
of (region × type × organisation × the publication they first appeared in). Each shown figure is the sum
over the groups it covers, and so is each figure an earlier publication showed. A group's sum is
determined by what is public exactly when its column is orthogonal to the null space of that 0/1
matrix (a value no change of the unknowns can move). While some group of 0 < n < k responses is
determined, one more figure is suppressed (the smallest whose absence alone protects it, else the smallest
shown cell over it), and the audit runs again. Hiding only
ever grows, so the rules of each table keep holding and the loop ends.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from survey.publication.suppression import LINKED, Cell

#: below this, a null-space component is taken for zero (the matrix is 0/1, a few hundred wide)
TOLERANCE = 1e-9
#: figures tried one by one for the one whose hiding protects an exposed group
ATTEMPTS = 40


@dataclass
class Figure:
    """A cell of this snapshot and the groups it sums; *is_total* cells are hidden only as a last resort."""

    cell: Cell
    groups: frozenset[Hashable]
    is_total: bool = False


def determined(rows: Sequence[Iterable[Hashable]], columns: Sequence[Hashable]) -> set[Hashable]:
    """The columns whose value the sums in *rows* (each a set of columns) fix exactly."""
    if not columns:
        return set()
    position = {column: index for index, column in enumerate(columns)}
    matrix = np.zeros((max(len(rows), 1), len(columns)))
    for row, members in enumerate(rows):
        for column in members:
            if column in position:
                matrix[row, position[column]] = 1.0
    _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int((singular > TOLERANCE * max(matrix.shape)).sum())
    null = vt[rank:]
    if not len(null):
        return set(columns)
    free = np.abs(null).max(axis=0)
    return {column for column, size in zip(columns, free, strict=True) if size < 1e-7}


def protect(figures: list[Figure], groups: dict[Hashable, int], k: int,
            published: Sequence[frozenset[Hashable]] = ()) -> list[Cell]:
    """Suppress cells of *figures* until no group of 0 < n < k responses is determined by the shown
    figures and the *published* ones (sums an earlier publication showed); returns the cells it hid."""
    columns = [group for group, n in groups.items() if n > 0]
    hidden: list[Cell] = []
    settled: set[Hashable] = set()  # groups earlier publications alone already give away: nothing to do now
    while True:
        rows = [figure.groups for figure in figures if figure.cell.is_shown]
        exposed = [group for group in determined([*rows, *published], columns)
                   if group not in settled and 0 < groups[group] < k]
        if not exposed:
            return hidden
        group = exposed[0]
        choice = _breaking(figures, group, published, columns) or _covering(figures, group)
        if choice is None:
            settled.add(group)
            continue
        # one cell at a time: hiding it may protect the other exposed groups as well
        choice.cell.suppressed = LINKED
        hidden.append(choice.cell)


def _covering(figures: list[Figure], group: Hashable) -> Figure | None:
    """The shown figure over *group* that hides the fewest other responses (a cell before a total)."""
    covering = [figure for figure in figures if figure.cell.is_shown and group in figure.groups]
    return min(covering, key=lambda figure: (figure.is_total, figure.cell.n), default=None)


def _breaking(figures: list[Figure], group: Hashable, published: Sequence[frozenset[Hashable]],
              columns: list[Hashable]) -> Figure | None:
    """The smallest shown figure (a cell before a total) without which *group* is no longer determined;
    None when no single one is enough (or after :data:`ATTEMPTS` tries: then a covering cell is hidden)."""
    shown = [figure for figure in figures if figure.cell.is_shown]
    for candidate in sorted(shown, key=lambda figure: (figure.is_total, figure.cell.n))[:ATTEMPTS]:
        rows = [figure.groups for figure in shown if figure is not candidate]
        if group not in determined([*rows, *published], columns):
            return candidate
    return None
