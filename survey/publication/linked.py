"""Suppression across tables that share responses (plain Python and numpy: no Flask, no database).

:mod:`survey.publication.suppression` protects each table on its own. Tables of one round are not
independent: regions, institution types and named organisations split the same responses, and an
earlier publication of the round showed figures over fewer of them. With organisations named, a
region's index, the index of its one large organisation and the region's size give back the index of
its one small organisation by subtraction; publishing again after one new response gives that
response's score by subtracting the two national figures.

So the figures are audited together. Responses fall into *groups*, the finest pieces any figure is made
of (see :mod:`survey.publication.exposure`). Each shown figure is the sum over the groups it covers, and
so is each figure an earlier publication showed: rows of a 0/1 matrix A. A combination w of the groups'
sums is public exactly when w lies in A's row space. The audit looks for such combinations resting on
fewer than k respondents: one group (its column of the null space is zero) or two groups (their columns
are parallel: a sum or a difference of the two is public, and each respondent learns the other's; a
response's earlier and corrected score are two unknowns of one respondent).
For each it hides one figure without which w is no longer public (a row with weight in w's expression
that no other row can stand in for), or else the smallest shown cell over it, and audits again. Hiding
only ever grows, so each table's own rule keeps holding and the loop ends. One reduced SVD per pass.

Not covered: three or more groups together resting on fewer than k responses (possible only with k ≥ 4).
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from survey.publication.suppression import LINKED, Cell

#: relative tolerance of the rank and of "zero" (the matrix is 0/1, a few hundred wide)
TOLERANCE = 1e-8


@dataclass
class Figure:
    """A cell of this snapshot and the groups it sums; *is_total* cells are hidden only as a last resort."""

    cell: Cell
    groups: frozenset[Hashable]
    is_total: bool = False


@dataclass
class Exposure:
    """A public combination *weights* (group -> coefficient) of groups resting on fewer than k responses."""

    weights: dict[Hashable, float]


class Audit:
    """The algebra of one matrix of sums: which small combinations it makes public, and what makes them so."""

    def __init__(self, rows: Sequence[frozenset[Hashable]], columns: Sequence[Hashable]) -> None:
        self.columns = list(columns)
        self.position = {column: index for index, column in enumerate(self.columns)}
        matrix = np.zeros((max(len(rows), 1), max(len(self.columns), 1)))
        for row, members in enumerate(rows):
            for column in members:
                if column in self.position:
                    matrix[row, self.position[column]] = 1.0
        u, singular, vt = np.linalg.svd(matrix, full_matrices=False)
        rank = int((singular > TOLERANCE * max(matrix.shape) * max(singular.max(initial=0.0), 1.0)).sum())
        self.u, self.singular, self.vt = u[:, :rank], singular[:rank], vt[:rank]
        # A row that no combination of the others can replace has leverage 1 (e_row lies in A's column space).
        self.leverage = (self.u ** 2).sum(axis=1)

    def exposures(self, sizes: dict[Hashable, int], k: int,
                  respondents: dict[Hashable, frozenset] | None = None) -> list[Exposure]:
        """Public combinations of one or two groups resting on fewer than *k* responses together (counted as
        distinct *respondents* when given: a response's earlier and current score are one respondent)."""
        def size(*groups: Hashable) -> int:
            if respondents is None:
                return sum(sizes[group] for group in groups)
            return len(frozenset().union(*(respondents[group] for group in groups)))

        small = [column for column in self.columns if 0 < size(column) < k]
        if not small:
            return []
        indices = [self.position[column] for column in small]
        # (I - P) restricted to the small groups, P the projection on A's row space: the null space's Gram matrix.
        projected = self.vt[:, indices]
        gram = np.eye(len(small)) - projected.T @ projected
        diagonal = np.clip(np.diag(gram), 0.0, None)
        found = [Exposure({small[i]: 1.0}) for i in range(len(small)) if diagonal[i] < TOLERANCE]
        loose = [i for i in range(len(small)) if diagonal[i] >= TOLERANCE]
        for a_index, a in enumerate(loose):
            for b in loose[a_index + 1:]:
                if size(small[a], small[b]) >= k:
                    continue
                # Parallel null-space columns: |<a, b>|^2 = |a|^2 |b|^2, so c*a - b is zero in the null space.
                if abs(gram[a, b] ** 2 - diagonal[a] * diagonal[b]) < TOLERANCE * max(diagonal[a] * diagonal[b], 1e-12):
                    ratio = gram[a, b] / diagonal[a]
                    found.append(Exposure({small[a]: ratio, small[b]: -1.0}))
        return found

    def expression(self, exposure: Exposure) -> np.ndarray:
        """Row weights x with A^T x = w (the least-norm one)."""
        w = np.zeros(len(self.columns))
        for column, weight in exposure.weights.items():
            w[self.position[column]] = weight
        return self.u @ ((self.vt @ w) / self.singular)


def protect(figures: list[Figure], groups: dict[Hashable, int], k: int,
            published: Sequence[frozenset[Hashable]] = (),
            respondents: dict[Hashable, frozenset] | None = None) -> list[Cell]:
    """Suppress cells of *figures* until no combination of one or two groups resting on fewer than k
    responses is determined by the shown figures and the *published* ones (sums an earlier publication
    showed); returns the cells it hid."""
    columns = [group for group, n in groups.items() if n > 0]
    hidden: list[Cell] = []
    settled: set[frozenset] = set()  # what earlier publications alone give away: nothing to hide now
    while True:
        shown = [figure for figure in figures if figure.cell.is_shown]
        audit = Audit([*(figure.groups for figure in shown), *published], columns)
        exposures = [item for item in audit.exposures(groups, k, respondents)
                     if frozenset(item.weights) not in settled]
        if not exposures:
            return hidden
        chosen: list[Figure] = []
        for exposure in exposures:
            if any(figure.groups & exposure.weights.keys() for figure in chosen):
                continue  # a figure hidden in this pass covers it: audit again before hiding more
            weights = audit.expression(exposure)
            scale = max(float(np.abs(weights).max(initial=0.0)), 1.0)
            if not (np.abs(weights[:len(shown)]) > TOLERANCE * scale).any():
                figure = None  # earlier publications alone make it public
            else:
                figure = _essential(audit, weights, scale, shown) or _covering(shown, exposure)
            if figure is None:
                settled.add(frozenset(exposure.weights))
            elif figure not in chosen:
                chosen.append(figure)
        for figure in chosen:
            figure.cell.suppressed = LINKED
            hidden.append(figure.cell)


def _essential(audit: Audit, weights: np.ndarray, scale: float, shown: list[Figure]) -> Figure | None:
    """The smallest shown figure without which the exposure (expressed by row *weights*) is no longer
    public: one with weight that no other row can stand in for (a cell before a total)."""
    needed = [figure for row, figure in enumerate(shown)
              if abs(weights[row]) > TOLERANCE * scale and audit.leverage[row] > 1 - 1e-6]
    return min(needed, key=lambda figure: (figure.is_total, figure.cell.n), default=None)


def _covering(shown: list[Figure], exposure: Exposure) -> Figure | None:
    """The shown figure over the exposure's groups that hides the fewest other responses (a cell first)."""
    covering = [figure for figure in shown if figure.groups & exposure.weights.keys()]
    return min(covering, key=lambda figure: (figure.is_total, figure.cell.n), default=None)
