"""The plain per-person reference implementation of DESIGN section 6: the test oracle.

Obvious loops, one person at a time, support counted day by day; no numpy. The exit planner here is
brute force over every combination of extensions. Slow on purpose; never used in production.
Shares only the input and output dataclasses with :mod:`joinedup.domain.cliff_edge`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from joinedup.domain.cliff_edge import (
    AgencyMonthRow,
    Change,
    CliffEdge,
    Cohort,
    Exit,
    Forecast,
    Involvement,
    MonthRow,
    Parameters,
    Person,
    Plan,
    Service,
    Suggestion,
)

SCALE = 1_000_000
OPEN = None


class _Row:
    """One involvement of one person, resolved."""

    def __init__(self, person: Person, service: Service, inv: Involvement, as_of: dt.date) -> None:
        self.service = service
        self.start = inv.start
        year, month = (int(x) for x in person.birth_month.split("-"))
        limit = dt.date(year + service.ends_at_age, month, 1) if service.ends_at_age is not None else None
        if inv.actual_end is not None:
            self.end = inv.actual_end
        elif inv.planned_end is not None:
            self.end = inv.planned_end
        elif limit is not None:
            self.end = limit
        else:
            self.end = OPEN
        self.reason = "age_limit" if limit is not None and self.end == limit else "planned"
        if inv.weight is not None:
            weight = inv.weight
        elif service.weight is not None:
            weight = service.weight
        else:
            weight = 1
        self.weight = round(float(weight) * SCALE)
        self.fixed = inv.actual_end is not None and inv.actual_end <= as_of
        self.adult = service.audience in ("adult", "all_age", "all-age")

    def active(self, day: dt.date, end: dt.date | None) -> bool:
        return self.start <= day and (end is None or day < end)


def _support(rows: list[_Row], ends: list, day: dt.date) -> int:
    total = 0
    for row, end in zip(rows, ends, strict=True):
        if row.active(day, end):
            total += row.weight
    return total


def _exits(rows: list[_Row], ends: list, first: dt.date, stop: dt.date) -> list[tuple[dt.date, int]]:
    """Exits in view: (end, row index) for ends in [first, stop) of involvements active at least a day."""
    found = []
    for i, (row, end) in enumerate(zip(rows, ends, strict=True)):
        if end is not None and row.start < end and first <= end < stop:
            found.append((end, i))
    return found


def _windows(rows: list[_Row], ends: list, params: Parameters, stop: dt.date) -> list[tuple[dt.date, int, bool]]:
    """(d, drop, qualifies) for each day d of [as_of, stop) on which an exit in view falls."""
    W = dt.timedelta(days=params.window_days)
    one = dt.timedelta(days=1)
    exits = _exits(rows, ends, params.as_of, stop)
    result = []
    day = params.as_of
    while day < stop:
        if any(end == day for end, _ in exits):
            before = _support(rows, ends, day - one)
            after = _support(rows, ends, day + W - one)
            n = sum(1 for end, _ in exits if day <= end < day + W)
            drop = before - after
            qualifies = n >= params.min_exits and drop > 0 and drop >= params.min_drop * before
            result.append((day, drop, qualifies))
        day += one
    return result


def _edges(rows: list[_Row], ends: list, params: Parameters, stop: dt.date) -> list[tuple[dt.date, dt.date]]:
    W = dt.timedelta(days=params.window_days)
    edges: list[list[dt.date]] = []
    for day, _drop, qualifies in _windows(rows, ends, params, stop):
        if not qualifies:
            continue
        if edges and day - edges[-1][1] < W:
            edges[-1][1] = day
        else:
            edges.append([day, day])
    return [(first, last + W) for first, last in edges]


def _age(person: Person, day: dt.date) -> int:
    year, month = (int(x) for x in person.birth_month.split("-"))
    age = day.year - year
    if day.month < month:
        age -= 1
    return age


def _suggestions(person: Person, services: Sequence[Service], rows: list[_Row], day: dt.date) -> tuple:
    age = _age(person, day)
    used = [row.service.service_id for row in rows]
    found = []
    for service in services:
        if service.audience not in ("adult", "all_age", "all-age") or service.service_id in used:
            continue
        if service.min_age is not None and age < service.min_age:
            continue
        if service.max_age is not None and age > service.max_age:
            continue
        shared = person.needs & service.needs
        if shared:
            found.append((len(shared), service))
    found.sort(key=lambda pair: pair[1].service_id)
    found.sort(key=lambda pair: pair[0], reverse=True)
    return tuple(s.service_id for _, s in found)


def _plan(rows: list[_Row], start: dt.date, end: dt.date, params: Parameters) -> Plan:
    """Brute force: every combination of weekly extensions of the edge's flexible exits."""
    horizon_end = params.as_of + dt.timedelta(days=params.horizon_days)
    one = dt.timedelta(days=1)
    ends = [row.end for row in rows]
    flexible = []
    for i, row in enumerate(rows):
        e = row.end
        if e is None or not (row.start < e and params.as_of <= e < horizon_end and start <= e < end):
            continue
        if row.fixed or row.service.max_extension_days < 7:
            continue
        flexible.append(i)
    flexible.sort(key=lambda i: (rows[i].end, rows[i].service.service_id, i))
    choices = [range(0, rows[i].service.max_extension_days // 7 * 7 + 1, 7) for i in flexible]
    best = None
    for combo in itertools.product(*choices):
        trial = list(ends)
        for i, ext in zip(flexible, combo, strict=True):
            trial[i] = rows[i].end + dt.timedelta(days=ext)
        reach = max([trial[i] + one for i in flexible], default=start + one)
        stop = max(horizon_end, reach)
        span_end = max(end, reach)
        still = any(s < span_end and e > start for s, e in _edges(rows, trial, params, stop))
        drops = [drop for day, drop, _ in _windows(rows, trial, params, stop) if start <= day < span_end]
        key = (still, max(drops, default=0), sum(combo))
        if best is None or key < best[0]:
            best = (key, combo)
    (still, _drop, total), combo = best
    changes = tuple(
        Change(rows[i].service.service_id, rows[i].end, rows[i].end + dt.timedelta(days=ext))
        for i, ext in zip(flexible, combo, strict=True)
        if ext
    )
    needed = 0.0
    if still:
        before = _support(rows, ends, start - one)
        after = _support(rows, ends, end - one)
        needed = max(0.0, round(((1 - params.min_drop) * before - after) / SCALE, 6))
    return Plan(not still, changes, total, needed)


def forecast_person(
    person: Person,
    services: Sequence[Service],
    involvements: Sequence[Involvement],
    params: Parameters,
    plans: bool = True,
) -> list[CliffEdge]:
    by_id = {s.service_id: s for s in services}
    rows = [_Row(person, by_id[inv.service_id], inv, params.as_of) for inv in involvements if inv.ref == person.ref]
    ends = [row.end for row in rows]
    horizon_end = params.as_of + dt.timedelta(days=params.horizon_days)
    one = dt.timedelta(days=1)
    edges = []
    for start, end in _edges(rows, ends, params, horizon_end):
        exits = sorted(
            (Exit(rows[i].service.service_id, e, rows[i].reason) for e, i in _exits(rows, ends, start, end)
             if e < horizon_end),
            key=lambda x: (x.date, x.service_id, x.reason),
        )  # fmt: skip
        bridged = any(row.adult and row.active(end - one, row.end) for row in rows)
        suggested = _suggestions(person, services, rows, start)
        edges.append(
            CliffEdge(
                ref=person.ref,
                start=start,
                end=end,
                exits=tuple(exits),
                support_before=round(_support(rows, ends, start - one) / SCALE, 6),
                support_after=round(_support(rows, ends, end - one) / SCALE, 6),
                age_driven=any(x.reason == "age_limit" for x in exits),
                bridged=bridged,
                suggestions=tuple(Suggestion(s, "") for s in suggested),
                plan=_plan(rows, start, end, params) if plans else None,
            )
        )
    return edges


def forecast(
    people: Sequence[Person],
    services: Sequence[Service],
    involvements: Sequence[Involvement],
    params: Parameters,
    plans: bool = True,
) -> Forecast:
    """The reference forecast. Suggestions carry no reason text (the fast engine words them)."""
    edges = []
    for person in people:
        edges.extend(forecast_person(person, services, involvements, params, plans))
    edges.sort(key=lambda e: (e.start, e.ref, e.end))

    horizon_end = params.as_of + dt.timedelta(days=params.horizon_days)
    months = []
    day = params.as_of
    while day < horizon_end:
        key = f"{day.year:04d}-{day.month:02d}"
        if key not in months:
            months.append(key)
        day += dt.timedelta(days=1)
    by_month = []
    for key in months:
        starting = [e for e in edges if f"{e.start.year:04d}-{e.start.month:02d}" == key]
        by_month.append(
            MonthRow(
                key,
                len({e.ref for e in starting}),
                len({e.ref for e in starting if e.age_driven}),
                len({e.ref for e in starting if not e.bridged}),
            )
        )
    counts: dict[tuple[str, str], int] = {}
    by_id = {s.service_id: s for s in services}
    refs = {p.ref: p for p in people}
    for inv in involvements:
        row = _Row(refs[inv.ref], by_id[inv.service_id], inv, params.as_of)
        if row.end is not None and row.start < row.end and params.as_of <= row.end < horizon_end:
            key = (row.service.agency, f"{row.end.year:04d}-{row.end.month:02d}")
            counts[key] = counts.get(key, 0) + 1
    by_agency = tuple(AgencyMonthRow(a, m, n) for (a, m), n in sorted(counts.items()))
    return Forecast(params, tuple(edges), Cohort(tuple(by_month), by_agency))
