"""Small-cell suppression of published tables, with hand-made tables and generated ones.

The promise: with the shown cells and the total in hand, nobody can get back a suppressed cell,
neither its responses nor its figure, by subtracting what is shown from the total.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from survey.publication.suppression import COMPLEMENTARY, PRIMARY, Cell, Table, suppress


def table(*counts: int, key: str = "t") -> Table:
    """A table whose cells have *counts* responses (named a, b, c...) and a value of 10 × n."""
    cells = [Cell(chr(ord("a") + i), n, 10.0 * n if n else None) for i, n in enumerate(counts)]
    return Table(key, Cell("total", sum(counts), 10.0 * sum(counts)), cells)


def states(t: Table) -> dict[str, str]:
    return {cell.key: cell.suppressed for cell in t.cells}


def test_a_table_of_large_cells_is_shown_whole():
    t = suppress(table(5, 7, 3), k=3)
    assert states(t) == {"a": "", "b": "", "c": ""} and t.total.is_shown


def test_a_small_region_is_hidden_with_the_next_smallest_so_subtraction_gives_only_their_sum():
    t = suppress(table(12, 1, 4, 9), k=3)
    assert states(t) == {"a": "", "b": PRIMARY, "c": COMPLEMENTARY, "d": ""}
    assert t.total.n - sum(cell.n for cell in t.shown()) == 5  # b and c together, never b


def test_two_small_cells_that_together_stay_below_k_pull_in_a_third():
    t = suppress(table(1, 1, 6, 8), k=3)
    assert states(t) == {"a": PRIMARY, "b": PRIMARY, "c": COMPLEMENTARY, "d": ""}


def test_two_small_cells_that_together_reach_k_are_enough():
    t = suppress(table(2, 2, 6), k=3)
    assert states(t) == {"a": PRIMARY, "b": PRIMARY, "c": ""}


def test_empty_cells_are_shown_as_empty_and_never_serve_as_complement():
    t = suppress(table(0, 1, 0, 20), k=3)
    assert states(t) == {"a": "", "b": PRIMARY, "c": "", "d": COMPLEMENTARY}
    assert t.total.is_shown


def test_a_total_below_k_hides_the_whole_table():
    t = suppress(table(1, 1, 0), k=3)
    assert not t.total.is_shown and states(t) == {"a": PRIMARY, "b": PRIMARY, "c": ""}


def test_k_is_per_round():
    assert states(suppress(table(4, 6, 9), k=5)) == {"a": PRIMARY, "b": COMPLEMENTARY, "c": ""}


def test_suppressing_again_with_another_k_starts_afresh():
    t = suppress(table(4, 6, 9), k=5)
    assert states(suppress(t, k=3)) == {"a": "", "b": "", "c": ""}


@settings(max_examples=400, deadline=None)
@given(counts=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=8),
       k=st.integers(min_value=1, max_value=6))
def test_no_suppressed_cell_equals_the_total_minus_the_shown_cells(counts, k):
    t = suppress(table(*counts), k=k)
    for cell in t.shown():
        assert cell.n == 0 or cell.n >= k, "a small figure is shown"
    hidden = t.hidden()
    if not t.total.is_shown or not hidden:
        return
    rest_n = t.total.n - sum(cell.n for cell in t.shown())
    rest_value = t.total.value - sum(cell.value or 0 for cell in t.shown())
    assert rest_n >= k, "what subtraction recovers rests on fewer than k responses"
    for cell in hidden:
        assert cell.n != rest_n and cell.value != rest_value, f"{cell.key} is the total minus the shown cells"
