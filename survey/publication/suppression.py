"""Small-cell suppression of published tables (plain Python: no Flask, no database).

A published table is a *total* (a national figure, or the answers to a question) and the *cells* that
split it (regions, institution types, organisations, a question's options). Each cell carries ``n``,
the responses its figure rests on.

The rule, applied to every table on its own:

1. **Primary**: a cell with ``0 < n < k`` is suppressed; a total with ``n < k`` is suppressed with every
   cell (nothing of the table is shown). A cell with ``n == 0`` is shown as empty: it rests on nobody.
2. **Complementary**: while the suppressed cells are fewer than two, or their responses together are
   fewer than ``k``, the smallest shown cell with ``n > 0`` is suppressed too. Subtracting the shown
   cells from the total then yields only the suppressed cells *together*: at least two cells that
   rest on at least ``k`` responses, never one small cell. A total of ``n >= k`` always leaves enough
   cells to reach that, so a total is suppressed only by rule 1 and is the same in every table that
   shows it.

Each table is one-way (regions, or institution types, or organisations, or options), but tables share
responses: regions, types and organisations split the same ones, and an earlier publication showed the
same figures over fewer. :mod:`survey.publication.linked` audits them together afterwards.
Multiple-choice options do not add up to their total, but they are treated the same way (safe side);
so when every responding cell is small, the total itself can be hidden as complementary.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PRIMARY = "primary"
COMPLEMENTARY = "complementary"
#: hidden because, with other tables or an earlier publication, it would give a small cell away
LINKED = "linked"
DEFAULT_K = 3


@dataclass
class Cell:
    """One figure of a table: its key, the responses it rests on and its value."""

    key: str
    n: int
    value: float | None = None
    #: "" when shown, else why it is not: PRIMARY or COMPLEMENTARY
    suppressed: str = ""

    @property
    def is_shown(self) -> bool:
        """True when the cell may be published."""
        return not self.suppressed


@dataclass
class Table:
    """A total and the cells that split it."""

    key: str
    total: Cell
    cells: list[Cell] = field(default_factory=list)

    def shown(self) -> list[Cell]:
        """The cells that may be published."""
        return [cell for cell in self.cells if cell.is_shown]

    def hidden(self) -> list[Cell]:
        """The cells that are suppressed."""
        return [cell for cell in self.cells if not cell.is_shown]


def suppress(table: Table, k: int = DEFAULT_K) -> Table:
    """Mark the cells of *table* that may not be published (rules in the module docstring); returns it."""
    if k < 1:
        raise ValueError("k must be at least 1")
    for cell in (table.total, *table.cells):
        cell.suppressed = ""
    if table.total.n < k:
        for cell in (table.total, *table.cells):
            cell.suppressed = PRIMARY if cell.n > 0 or cell is table.total else ""
        return table
    for cell in table.cells:
        if 0 < cell.n < k:
            cell.suppressed = PRIMARY
    hidden = table.hidden()
    while hidden and (len(hidden) < 2 or sum(cell.n for cell in hidden) < k):
        candidates = [cell for cell in table.cells if cell.is_shown and cell.n > 0]
        if not candidates:  # only when the total is below k, handled above; kept as a last resort
            table.total.suppressed = COMPLEMENTARY
            break
        smallest = min(candidates, key=lambda cell: cell.n)
        smallest.suppressed = COMPLEMENTARY
        hidden.append(smallest)
    return table
