"""Disclosure control for counts of young people (DESIGN §3.6). Pure Python, no Django.

Counts from 1 to 4 are **primary** suppressions, shown as "fewer than 5". A count of 0 is shown:
it identifies nobody. Figures that are sums of other figures (a *line*: total = sum of members)
could give a suppressed count away by subtraction, so more cells are hidden where needed
(**secondary** suppressions, shown as "not shown": a number of 1 or more that is hidden so that
a small one cannot be worked out; it is never 0, and it may be any size).

The guarantee: an observer who sees every published cell and knows what the labels mean
("fewer than 5" is 1 to 4, "not shown" is 1 or more) and which figures add up to which cannot
work out the exact value of any hidden cell: each keeps at least two possible values, judged by
propagating the bounds through every line until nothing tightens (bounds consistency; exact for
a single line and for the simple structures the dashboard publishes, which the tests check
against a brute-force observer). The observer is not assumed to know how the cells to hide
were chosen.

How a cell that could be worked out is protected: hide the smallest published non-zero member
of a line it belongs to (it hides the most with the least loss); when there is none, hide a
line's published total; when every cell around it is hidden already (a line of counts that are
all 1 to 4, say 4 = 1 + 1 + 1 + 1), show one of its "fewer than 5" as "not shown" instead, which
widens what it could be. Repeated until no hidden cell can be worked out.

Bounds consistency is not a full integer-programming audit: for large tables whose rows and
columns cross, combinations of lines could in principle narrow a cell further than line-by-line
bounds show. Callers publish simple structures (docs/adr/0012-transitions-dashboard-disclosure-and-fresh-forecasts.md).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

THRESHOLD = 5
FEWER_THAN_5 = "fewer than 5"
NOT_SHOWN = "not shown"
_UNBOUNDED = float("inf")


def is_small(count: int) -> bool:
    """A count that must not be published: 1 to 4 (0 and 5 or more are fine)."""
    return 0 < count < THRESHOLD


def _check(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError("counts must be whole numbers")
    if count < 0:
        raise ValueError("counts cannot be negative")
    return count


def suppress(count: int) -> int | str:
    """One count on its own: 1 to 4 become "fewer than 5"; 0 and 5 or more are shown as they are."""
    return FEWER_THAN_5 if is_small(_check(count)) else count


@dataclass(frozen=True)
class Line:
    """``total`` is the sum of ``members`` (cell keys), and an observer could subtract."""

    total: Hashable
    members: tuple[Hashable, ...]

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("a line needs at least one member")
        if self.total in self.members or len(set(self.members)) != len(self.members):
            raise ValueError("a line's cells must be different")


@dataclass(frozen=True)
class Protected:
    """The outcome: which cells are hidden, and why."""

    values: Mapping[Hashable, int]
    primary: frozenset
    secondary: frozenset

    @property
    def hidden(self) -> frozenset:
        return self.primary | self.secondary

    def shown(self, key: Hashable) -> int | str:
        """The cell as published: its count, "fewer than 5" or "not shown"."""
        if key in self.primary:
            return FEWER_THAN_5
        if key in self.secondary:
            return NOT_SHOWN
        return self.values[key]

    def published(self) -> dict[Hashable, int | str]:
        return {key: self.shown(key) for key in self.values}


def _sum_high(highs: Iterable[float]) -> float:
    total = 0.0
    for high in highs:
        if high == _UNBOUNDED:
            return _UNBOUNDED
        total += high
    return total


def bounds(
    values: Mapping[Hashable, int], lines: Sequence[Line], primary: Iterable, secondary: Iterable
) -> dict[Hashable, tuple[float, float]]:
    """What an observer can tell about each cell: the lowest and highest value it could have.

    Published cells are known exactly; "fewer than 5" starts as 1 to 4 and "not shown" as 1 or
    more; every line's sum then tightens them until nothing changes."""
    primary, secondary = set(primary), set(secondary)
    known: dict[Hashable, tuple[float, float]] = {}
    for key, value in values.items():
        if key in primary:
            known[key] = (1, THRESHOLD - 1)
        elif key in secondary:
            known[key] = (1, _UNBOUNDED)
        else:
            known[key] = (value, value)
    changed = True
    while changed:
        changed = False
        for line in lines:
            lows = [known[m][0] for m in line.members]
            highs = [known[m][1] for m in line.members]
            low_sum = sum(lows)
            t_low, t_high = known[line.total]
            new_total = (max(t_low, low_sum), min(t_high, _sum_high(highs)))
            if new_total != known[line.total]:
                known[line.total] = new_total
                changed = True
            t_low, t_high = new_total
            for index, member in enumerate(line.members):
                others_high = _sum_high(h for i, h in enumerate(highs) if i != index)
                others_low = low_sum - lows[index]
                low, high = known[member]
                new = (max(low, t_low - others_high), min(high, t_high - others_low))
                if new != known[member]:
                    known[member] = new
                    lows[index], highs[index] = new
                    low_sum = sum(lows)
                    changed = True
    return known


def _cell_to_hide(pinned, lines_of, values, order, hidden) -> Hashable | None:
    """The published cell to hide next: in a line of the first pinned cell that has one, the
    smallest non-zero member, else the line's total."""
    for key in pinned:
        around = lines_of[key]
        members = [m for line in around for m in line.members if not hidden(m) and values[m] > 0]
        if members:
            return min(members, key=lambda k: (values[k], order[k]))
        totals = [line.total for line in around if not hidden(line.total) and values[line.total] > 0]
        if totals:
            return min(totals, key=order.__getitem__)
    return None


def protect(cells: Mapping[Hashable, int], lines: Iterable[Line] = ()) -> Protected:
    """Decide which cells to hide so that no count from 1 to 4 is published or can be worked out.

    ``cells`` maps each figure to its true count; ``lines`` say which figures add up to which.
    Every key a line names must be in ``cells``, and a line's total must equal its members' sum.
    """
    values = {key: _check(value) for key, value in cells.items()}
    lines = list(lines)
    for line in lines:
        missing = [key for key in (line.total, *line.members) if key not in values]
        if missing:
            raise KeyError(f"line names cells that are not given: {missing!r}")
        if values[line.total] != sum(values[m] for m in line.members):
            raise ValueError(f"the members of {line.total!r} do not add up to it")
    order = {key: index for index, key in enumerate(values)}
    primary = {key for key, value in values.items() if is_small(value)}
    secondary: set[Hashable] = set()
    lines_of: dict[Hashable, list[Line]] = {key: [] for key in values}
    for line in lines:
        for key in (line.total, *line.members):
            lines_of[key].append(line)

    def hidden(key: Hashable) -> bool:
        return key in primary or key in secondary

    for _ in range(4 * len(values) + 1):  # each round hides or relabels one cell
        known = bounds(values, lines, primary, secondary)
        pinned = sorted((k for k in values if hidden(k) and known[k][1] - known[k][0] < 1), key=order.__getitem__)
        if not pinned:
            break
        choice = _cell_to_hide(pinned, lines_of, values, order, hidden)
        if choice is not None:
            secondary.add(choice)
            continue
        small = [k for key in pinned for line in lines_of[key] for k in (line.total, *line.members) if k in primary]
        if not small:  # pragma: no cover - "not shown" cells are unbounded above, so cannot all be pinned
            raise RuntimeError(f"cannot protect {pinned[0]!r}")
        relabel = next((key for key in pinned if key in primary), small[0])
        primary.discard(relabel)
        secondary.add(relabel)
    else:  # pragma: no cover
        raise RuntimeError("disclosure control did not settle")
    return Protected(values=values, primary=frozenset(primary), secondary=frozenset(secondary))


def protect_rows(rows: Sequence[Mapping[str, int]], lines: Sequence[tuple[str, Sequence[str]]]) -> list[dict]:
    """Protect each row of a table on its own: ``lines`` are (total column, member columns) within a row.

    For tables whose rows are never added up (no column totals are published). Returns, per row,
    ``{column: count or "fewer than 5" or "not shown"}``."""
    out = []
    for row in rows:
        result = protect(row, [Line(total, tuple(members)) for total, members in lines])
        out.append(result.published())
    return out
