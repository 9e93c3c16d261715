"""Disclosure control (DESIGN §3.6): no count from 1 to 4 is published or can be worked out.

The oracle is a brute-force observer: given what is published (numbers, "fewer than 5" meaning
1 to 4, "not shown" meaning 1 or more) and the lines (which figures add up to which), it lists
every table that fits, and checks that each hidden cell could still be at least two values.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.domain.disclosure import FEWER_THAN_5, NOT_SHOWN, Line, is_small, protect, protect_rows, suppress

COUNT = st.integers(min_value=0, max_value=12)


def possible_values(published: dict, lines: list[Line], bound: int) -> dict:
    """Every value each hidden cell can take in some table consistent with what is published."""
    hidden = [key for key, value in published.items() if not isinstance(value, int)]
    options = {}
    for key in hidden:
        options[key] = range(1, 5) if published[key] == FEWER_THAN_5 else range(1, bound + 1)
    seen: dict = {key: set() for key in hidden}

    def fits(assignment: dict) -> bool:
        for line in lines:
            cells = (line.total, *line.members)
            complete = all(cell in assignment for cell in cells)
            if complete and assignment[line.total] != sum(assignment[m] for m in line.members):
                return False
        return True

    base = {key: value for key, value in published.items() if isinstance(value, int)}

    def search(index: int, assignment: dict) -> None:
        if index == len(hidden):
            for key in hidden:
                seen[key].add(assignment[key])
            return
        key = hidden[index]
        for value in options[key]:
            assignment[key] = value
            if fits(assignment):
                search(index + 1, assignment)
            del assignment[key]

    search(0, dict(base))
    return seen


def assert_safe(cells: dict, lines: list[Line]) -> None:
    result = protect(cells, lines)
    published = result.published()
    for key, value in published.items():
        if isinstance(value, int):
            assert not is_small(value), f"{key} published as {value}"
            assert value == cells[key]
        elif value == FEWER_THAN_5:
            assert is_small(cells[key])
        else:
            assert value == NOT_SHOWN and cells[key] >= 1, (key, cells[key])
    bound = max(cells.values(), default=0) + 6
    found = possible_values(published, lines, bound)
    for key, values in found.items():
        assert cells[key] in values, f"the true value of {key} must fit"
        assert len(values) >= 2, f"{key} can be worked out: only {values} fit {published}"


# --- one count on its own ------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=10_000))
def test_a_single_count_is_shown_unless_1_to_4(count):
    shown = suppress(count)
    if 1 <= count <= 4:
        assert shown == FEWER_THAN_5
    else:
        assert shown == count


@pytest.mark.parametrize("bad", [-1, 2.0, True, "3"])
def test_counts_must_be_whole_and_not_negative(bad):
    with pytest.raises((TypeError, ValueError)):
        suppress(bad)


def test_examples():
    assert [suppress(n) for n in (0, 1, 4, 5, 99)] == [0, FEWER_THAN_5, FEWER_THAN_5, 5, 99]
    # 6 = 1 + 5: hiding the 1 alone would let it be worked out from 6 - 5, so the 5 goes too.
    result = protect({"t": 6, "a": 1, "b": 5}, [Line("t", ("a", "b"))])
    assert result.published() == {"t": 6, "a": FEWER_THAN_5, "b": NOT_SHOWN}
    # The smallest other member is the one hidden.
    result = protect({"t": 30, "a": 1, "b": 19, "c": 10}, [Line("t", ("a", "b", "c"))])
    assert result.published() == {"t": 30, "a": FEWER_THAN_5, "b": 19, "c": NOT_SHOWN}
    # Nothing small: everything is published.
    assert protect({"t": 10, "a": 5, "b": 5}, [Line("t", ("a", "b"))]).hidden == frozenset()


def test_small_counts_that_would_pin_each_other_hide_more():
    # 8 = 4 + 4: two "fewer than 5" adding up to 8 must both be 4.
    result = protect({"t": 8, "a": 4, "b": 4}, [Line("t", ("a", "b"))])
    assert result.shown("t") == NOT_SHOWN
    # 4 = 1 + 1 + 1 + 1, all small: four "fewer than 5" under a "fewer than 5" must all be 1, so
    # one of them is shown as "not shown" (1 or more) instead.
    result = protect({"t": 4, "a": 1, "b": 1, "c": 1, "d": 1}, [Line("t", ("a", "b", "c", "d"))])
    assert result.hidden == {"t", "a", "b", "c", "d"} and NOT_SHOWN in result.published().values()
    # 5 = 2 + 3: either could be 1 to 4.
    result = protect({"t": 5, "a": 2, "b": 3}, [Line("t", ("a", "b"))])
    assert result.published() == {"t": 5, "a": FEWER_THAN_5, "b": FEWER_THAN_5}


def test_lines_are_checked():
    with pytest.raises(ValueError):
        protect({"t": 3, "a": 1, "b": 1}, [Line("t", ("a", "b"))])
    with pytest.raises(KeyError):
        protect({"t": 2, "a": 2}, [Line("t", ("a", "b"))])
    with pytest.raises(ValueError):
        Line("t", ())
    with pytest.raises(ValueError):
        Line("t", ("a", "a"))


# --- properties ----------------------------------------------------------------------------


@given(st.lists(COUNT, min_size=1, max_size=4))
def test_one_line_never_gives_a_small_count_away(members):
    cells = {f"m{i}": value for i, value in enumerate(members)}
    cells["total"] = sum(members)
    assert_safe(cells, [Line("total", tuple(f"m{i}" for i in range(len(members))))])


@given(COUNT, COUNT, st.data())
def test_a_month_of_edges_split_two_ways_never_gives_a_small_count_away(age, not_age, data):
    """The dashboard's rows: edges = age-driven + not = unbridged + bridged."""
    edges = age + not_age
    unbridged = data.draw(st.integers(min_value=0, max_value=edges))
    cells = {"edges": edges, "age": age, "not_age": not_age, "unbridged": unbridged, "bridged": edges - unbridged}
    lines = [Line("edges", ("age", "not_age")), Line("edges", ("unbridged", "bridged"))]
    assert_safe(cells, lines)


@given(st.lists(st.tuples(COUNT, COUNT), min_size=1, max_size=3))
def test_totals_of_totals_never_give_a_small_count_away(rows):
    """Rows that add up, and a grand total of the rows."""
    cells, lines = {}, []
    for i, (a, b) in enumerate(rows):
        cells[f"a{i}"], cells[f"b{i}"], cells[f"t{i}"] = a, b, a + b
        lines.append(Line(f"t{i}", (f"a{i}", f"b{i}")))
    cells["grand"] = sum(a + b for a, b in rows)
    lines.append(Line("grand", tuple(f"t{i}" for i in range(len(rows)))))
    assert_safe(cells, lines)


@given(
    st.lists(st.lists(COUNT, min_size=2, max_size=3), min_size=2, max_size=3).filter(
        lambda t: len({len(r) for r in t}) == 1
    )
)
def test_tables_with_margins_publish_no_small_count_and_leave_no_line_with_one_hidden_cell(table):
    cells, lines = {}, []
    n_rows, n_cols = len(table), len(table[0])
    for r in range(n_rows):
        for c in range(n_cols):
            cells[(r, c)] = table[r][c]
        cells[("row", r)] = sum(table[r])
        lines.append(Line(("row", r), tuple((r, c) for c in range(n_cols))))
    for c in range(n_cols):
        cells[("col", c)] = sum(table[r][c] for r in range(n_rows))
        lines.append(Line(("col", c), tuple((r, c) for r in range(n_rows))))
    result = protect(cells, lines)
    for value in result.published().values():
        assert not (isinstance(value, int) and is_small(value))
    for line in lines:
        hidden = [key for key in (line.total, *line.members) if key in result.hidden]
        assert len(hidden) != 1, f"{hidden} could be worked out from {line}"


@given(st.lists(st.integers(min_value=0, max_value=4), min_size=4, max_size=4))
def test_a_two_by_two_table_with_margins_and_grand_total_never_gives_a_small_count_away(values):
    """Rows, columns and the grand total (which ties them: rows and columns add up to the same)."""
    table = [values[:2], values[2:]]
    cells, lines = {}, []
    for r in range(2):
        for c in range(2):
            cells[(r, c)] = table[r][c]
        cells[("row", r)] = sum(table[r])
        lines.append(Line(("row", r), ((r, 0), (r, 1))))
    for c in range(2):
        cells[("col", c)] = table[0][c] + table[1][c]
        lines.append(Line(("col", c), ((0, c), (1, c))))
    cells["all"] = sum(values)
    lines += [Line("all", (("row", 0), ("row", 1))), Line("all", (("col", 0), ("col", 1)))]
    assert_safe(cells, lines)


@given(st.lists(st.dictionaries(st.sampled_from(["age", "not_age"]), COUNT, min_size=2, max_size=2), max_size=6))
def test_protect_rows_protects_each_row(rows):
    table = [{"edges": r["age"] + r["not_age"], **r} for r in rows]
    published = protect_rows(table, [("edges", ("age", "not_age"))])
    assert len(published) == len(table)
    for row, shown in zip(table, published, strict=True):
        assert shown == protect(row, [Line("edges", ("age", "not_age"))]).published()


def test_the_brute_force_observer_finds_a_leak_when_there_is_one():
    """The oracle itself: a "fewer than 5" beside a published 5 under a published 6 is a 1."""
    published = {"t": 6, "a": FEWER_THAN_5, "b": 5}
    assert possible_values(published, [Line("t", ("a", "b"))], bound=20) == {"a": {1}}
    published = {"t": 8, "a": FEWER_THAN_5, "b": FEWER_THAN_5}
    assert possible_values(published, [Line("t", ("a", "b"))], bound=20) == {"a": {4}, "b": {4}}
    published = {"t": 6, "a": FEWER_THAN_5, "b": NOT_SHOWN}
    found = possible_values(published, [Line("t", ("a", "b"))], bound=20)
    assert found == {"a": {1, 2, 3, 4}, "b": {2, 3, 4, 5}}
