"""The transitions engine (DESIGN section 6): cliff edges, bridging suggestions, exit plans, cohort view.

Pure Python + numpy, no Django. Three entry points, all giving the same edges:

- :func:`forecast_arrays`: the cohort as columns (:class:`CohortArrays`, e.g. straight from a query
  or a CSV), with no per-involvement Python objects;
- :func:`forecast`: the same from dataclass records (a thin wrapper);
- :func:`forecast_person`: one young person's edges, what changing one involvement recomputes.

Build a :class:`ServiceIndex` once per directory and pass it to each. Detection is array operations
over the whole cohort; Python runs only for the edges found (exits, suggestions, exit plans). The
plain per-person oracle lives in :mod:`joinedup.domain.cliff_edge_reference`; interpretations and
the exit planner's search are in ADR 0005.

Conventions: dates are whole days; an involvement is active on ``start <= t < end``; ends are
exclusive. Weights are resolved to whole millionths (``WEIGHT_SCALE``) so that sums are exact and
the fast and reference engines compare the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np

WEIGHT_SCALE = 1_000_000
ADULT_AUDIENCES = frozenset({"adult", "all_age", "all-age"})
AGE_LIMIT = "age_limit"
PLANNED = "planned"
GRID_DAYS = 7
EXACT_LIMIT = 8
NEVER = 10**9  # an ordinal beyond every real date: "open-ended"
_DAY_BITS = 23  # 2**23 > date.max.toordinal()
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_NODE_BUDGET = 2_000  # nodes of one edge's exact search (ADR 0005, 19)
_ORIGIN = 1_000_000  # the day every edge is moved to while planning
_INFINITY = float("inf")


# --------------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True, slots=True)
class Service:
    service_id: str
    audience: str = "child"
    min_age: int | None = None
    max_age: int | None = None
    ends_at_age: int | None = None
    weight: float | None = None
    max_extension_days: int = 0
    needs: frozenset[str] = frozenset()
    agency: str = ""


@dataclass(frozen=True, slots=True)
class Person:
    ref: str
    birth_month: str  # "YYYY-MM"
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Involvement:
    ref: str
    service_id: str
    start: dt.date
    planned_end: dt.date | None = None
    actual_end: dt.date | None = None
    weight: float | None = None


@dataclass(frozen=True, slots=True)
class Parameters:
    as_of: dt.date
    window_days: int = 90
    horizon_days: int = 365
    min_exits: int = 2
    min_drop: float = 0.5

    def __post_init__(self) -> None:
        if self.window_days < 1 or self.horizon_days < 1:
            raise ValueError("window_days and horizon_days must be at least 1")
        if self.min_exits < 0 or not 0 <= self.min_drop <= 1:
            raise ValueError("min_exits must be 0 or more and min_drop between 0 and 1")


# -------------------------------------------------------------------------------------------- outputs
@dataclass(frozen=True, slots=True)
class Exit:
    service_id: str
    date: dt.date  # the effective end (exclusive: the first day without the service)
    reason: str  # "age_limit" or "planned"


@dataclass(frozen=True, slots=True)
class Suggestion:
    service_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Change:
    service_id: str
    from_date: dt.date
    to_date: dt.date


@dataclass(frozen=True, slots=True)
class Plan:
    resolved: bool
    changes: tuple[Change, ...]
    extension_days: int
    bridging_needed: float
    exact: bool = True


@dataclass(frozen=True, slots=True)
class CliffEdge:
    ref: str
    start: dt.date
    end: dt.date  # exclusive
    exits: tuple[Exit, ...]
    support_before: float
    support_after: float
    age_driven: bool
    bridged: bool
    suggestions: tuple[Suggestion, ...]
    plan: Plan | None


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: str
    edges: int
    age_driven: int
    unbridged: int


@dataclass(frozen=True, slots=True)
class AgencyMonthRow:
    agency: str
    month: str
    exits: int


@dataclass(frozen=True, slots=True)
class Cohort:
    by_month: tuple[MonthRow, ...]
    by_agency: tuple[AgencyMonthRow, ...]


@dataclass(frozen=True, slots=True)
class Forecast:
    parameters: Parameters
    cliff_edges: tuple[CliffEdge, ...]
    cohort: Cohort = field(default_factory=lambda: Cohort((), ()))


# -------------------------------------------------------------------------------------------- helpers
def parse_birth_month(birth_month: str) -> tuple[int, int]:
    try:
        year_text, month_text = birth_month.split("-")
        year, month = int(year_text), int(month_text)
    except (ValueError, AttributeError):
        raise ValueError(f"Birth month must look like YYYY-MM, not {birth_month!r}")
    if not 1 <= month <= 12 or not 1 <= year <= 9000:
        raise ValueError(f"Birth month must look like YYYY-MM, not {birth_month!r}")
    return year, month


def age_date(birth_month: str, age: int) -> dt.date:
    """The day a person born in ``birth_month`` is taken to reach ``age``: the 1st of that month."""
    year, month = parse_birth_month(birth_month)
    return dt.date(year + age, month, 1)


def age_on(birth_month: str, day: dt.date) -> int:
    """Age in whole years on ``day``, counting the birthday as the 1st of the birth month."""
    year, month = parse_birth_month(birth_month)
    return day.year - year - (1 if day.month < month else 0)


def weight_units(weight: float | None, default: float | None) -> int:
    """The involvement's weight, else the service's, else 1; in millionths."""
    value = weight if weight is not None else default if default is not None else 1
    return round(float(value) * WEIGHT_SCALE)


def units_to_weight(units: float) -> float:
    return round(units / WEIGHT_SCALE, 6)


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def is_adult_service(service: Service) -> bool:
    return service.audience in ADULT_AUDIENCES


def suggest_bridges(
    person: Person, services: ServiceIndex | Iterable[Service], used: set[str] | frozenset[str], on: dt.date
) -> tuple[Suggestion, ...]:
    """Adult or all-age services the person is not using, covering their age on ``on``, sharing needs."""
    index = _service_index(services)
    ranked = index.ranked_suggestions(person.needs, age_on(person.birth_month, on))
    return tuple(suggestion for k, suggestion in ranked if index.ids[k] not in used)


def _suggestion_reason(service: Service, shared: frozenset[str], age: int) -> str:
    low = "any age" if service.min_age is None else str(service.min_age)
    if service.min_age is None and service.max_age is None:
        ages = "all ages"
    elif service.max_age is None:
        ages = f"ages {low} and over"
    elif service.min_age is None:
        ages = f"ages up to {service.max_age}"
    else:
        ages = f"ages {service.min_age} to {service.max_age}"
    needs = ", ".join(sorted(shared))
    noun = "need" if len(shared) == 1 else "needs"
    return f"Shares {noun} {needs}; serves {ages} (they will be {age})"


def bridging_needed(before_units: int, after_units: int, min_drop: float) -> float:
    """The weight a bridge from the edge's start must exceed for the edge span to stop qualifying."""
    return max(0.0, units_to_weight((1 - min_drop) * before_units - after_units))


# --------------------------------------------------------------------------------------- arrays input
NO_DATE = -1  # an empty date column (planned or actual end) in CohortArrays
NO_WEIGHT = int(np.iinfo(np.int64).min)  # no weight of the involvement's own: the service's applies
_MAX_ORDINAL = dt.date.max.toordinal()


def birth_month_number(birth_month: str) -> int:
    """``YYYY-MM`` as the month count CohortArrays holds: ``year * 12 + month - 1``."""
    year, month = parse_birth_month(birth_month)
    return year * 12 + month - 1


class ServiceIndex:
    """The service directory prepared once for the engine.

    Build it once (O(services)) and pass it to :func:`forecast_arrays` and :func:`forecast_person`
    so that a per-person recompute does no per-service set-up. Read-only, apart from a bounded cache
    of ranked bridging suggestions per (needs, age), which it shares between calls.
    """

    __slots__ = (
        "services", "ids", "position", "ends_at_age", "default_weight", "adult", "max_extension", "agency",
        "rank", "_adult", "_suggestions",
    )  # fmt: skip

    def __init__(self, services: Iterable[Service]) -> None:
        self.services: tuple[Service, ...] = tuple(services)
        self.ids = [s.service_id for s in self.services]
        self.position = {sid: k for k, sid in enumerate(self.ids)}
        if len(self.position) != len(self.ids):
            raise ValueError("Young people refs and service ids must be unique")
        self.ends_at_age = np.array([-1 if s.ends_at_age is None else s.ends_at_age for s in self.services], np.int64)
        self.default_weight = np.array([weight_units(None, s.weight) for s in self.services], np.int64)
        self.adult = np.array([is_adult_service(s) for s in self.services], dtype=bool)
        self.max_extension = [max(0, int(s.max_extension_days or 0)) for s in self.services]
        self.agency = [s.agency for s in self.services]
        rank = np.empty(len(self.ids), dtype=np.int64)
        rank[sorted(range(len(self.ids)), key=self.ids.__getitem__)] = np.arange(len(self.ids))
        self.rank = rank  # position of each service id in sorted order (exits are listed by it)
        self._adult = [(k, s) for k, s in enumerate(self.services) if is_adult_service(s)]
        self._suggestions: dict[tuple[frozenset[str], int], tuple[tuple[int, Suggestion], ...]] = {}

    def __len__(self) -> int:
        return len(self.services)

    def index(self, service_id: str) -> int:
        try:
            return self.position[service_id]
        except KeyError:
            raise ValueError(f"Involvement with unknown service {service_id!r}")

    def ranked_suggestions(self, needs: frozenset[str], age: int) -> tuple[tuple[int, Suggestion], ...]:
        """Adult or all-age services covering ``age`` and sharing ``needs``, best first, with their index."""
        key = (needs, age)
        found = self._suggestions.get(key)
        if found is None:
            ranked = []
            for k, service in self._adult:
                if (service.min_age is not None and age < service.min_age) or (
                    service.max_age is not None and age > service.max_age
                ):
                    continue
                shared = needs & service.needs
                if shared:
                    ranked.append((-len(shared), service.service_id, k, service, shared))
            ranked.sort(key=lambda row: (row[0], row[1]))
            found = tuple(
                (k, Suggestion(s.service_id, _suggestion_reason(s, shared, age))) for *_, k, s, shared in ranked
            )
            if len(self._suggestions) < 65_536:
                self._suggestions[key] = found
        return found


def _service_index(services: ServiceIndex | Iterable[Service]) -> ServiceIndex:
    return services if isinstance(services, ServiceIndex) else ServiceIndex(services)


@dataclass(frozen=True, slots=True, eq=False)  # arrays: compared and hashed by identity
class CohortArrays:
    """Young people and their involvements as columns: the engine's array entry point.

    One entry per young person in ``refs``, ``birth_month`` (:func:`birth_month_number`) and
    ``needs``; one entry per involvement in the other arrays (int64): ``person`` indexes ``refs``,
    ``service`` indexes the :class:`ServiceIndex`, dates are ``date.toordinal()`` with
    :data:`NO_DATE` for an empty end, ``weight`` is in millionths (``round(w * 1_000_000)``) with
    :data:`NO_WEIGHT` when the service's default applies. Involvements grouped by person are used
    as they are; otherwise they are sorted once.
    """

    refs: Sequence[str]
    birth_month: np.ndarray
    needs: Sequence[frozenset[str]]
    person: np.ndarray
    service: np.ndarray
    start: np.ndarray
    planned_end: np.ndarray
    actual_end: np.ndarray
    weight: np.ndarray

    @classmethod
    def from_records(
        cls, people: Sequence[Person], services: ServiceIndex, involvements: Sequence[Involvement]
    ) -> CohortArrays:
        """The columns of dataclass records (what :func:`forecast` does before the engine runs)."""
        refs = [p.ref for p in people]
        person_index = {ref: k for k, ref in enumerate(refs)}
        if len(person_index) != len(refs):
            raise ValueError("Young people refs and service ids must be unique")
        n = len(involvements)
        try:
            p_idx = np.fromiter(map(person_index.__getitem__, map(_REF, involvements)), dtype=np.int64, count=n)
        except KeyError as error:
            raise ValueError(f"Involvement for unknown young person {error.args[0]!r}")
        try:
            position = services.position
            s_idx = np.fromiter(map(position.__getitem__, map(_SERVICE, involvements)), dtype=np.int64, count=n)
        except KeyError as error:
            raise ValueError(f"Involvement with unknown service {error.args[0]!r}")
        own = np.fromiter((np.nan if w is None else w for w in map(_WEIGHT, involvements)), np.float64, count=n)
        return cls(
            refs=refs,
            birth_month=np.fromiter((birth_month_number(p.birth_month) for p in people), np.int64, count=len(refs)),
            needs=[p.needs for p in people],
            person=p_idx,
            service=s_idx,
            start=np.fromiter(map(dt.date.toordinal, map(_START, involvements)), dtype=np.int64, count=n),
            planned_end=_optional_ordinals(map(_PLANNED, involvements), n),
            actual_end=_optional_ordinals(map(_ACTUAL, involvements), n),
            weight=_weight_column(own),
        )


_REF, _SERVICE, _START = attrgetter("ref"), attrgetter("service_id"), attrgetter("start")
_ACTUAL, _PLANNED, _WEIGHT = attrgetter("actual_end"), attrgetter("planned_end"), attrgetter("weight")


def _optional_ordinals(days: Iterable[dt.date | None], n: int) -> np.ndarray:
    return np.fromiter((NO_DATE if d is None else d.toordinal() for d in days), dtype=np.int64, count=n)


def _weight_column(own: np.ndarray) -> np.ndarray:
    """Float weights (NaN: none of its own) as millionths, rounded half to even like ``round``."""
    missing = np.isnan(own)
    return np.where(missing, NO_WEIGHT, np.rint(np.where(missing, 0.0, own) * WEIGHT_SCALE)).astype(np.int64)


def _column(values, n: int, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.shape != (n,):
        raise ValueError(f"CohortArrays.{name} must be one-dimensional with {n} entries")
    if array.dtype.kind not in "iu" and array.size:
        raise ValueError(f"CohortArrays.{name} must hold integers")
    return array.astype(np.int64, copy=False)


# ------------------------------------------------------------------------------------- resolved cohort
@dataclass(slots=True)
class _Resolved:
    """Involvements resolved (DESIGN section 6) to arrays, one row per involvement, grouped by person."""

    person: np.ndarray  # int64 person index
    service: np.ndarray  # int64 service index
    start: np.ndarray  # int64 ordinal
    end: np.ndarray  # int64 ordinal, NEVER when open-ended
    weight: np.ndarray  # int64 millionths
    age_reason: np.ndarray  # bool: reason is age_limit
    past_actual: np.ndarray  # bool: actual end set and on or before as_of
    adult: np.ndarray  # bool: the service is adult or all-age
    first: np.ndarray  # int64, rows of person p are first[p]:first[p + 1]


def _resolve(cohort: CohortArrays, services: ServiceIndex, as_of: dt.date) -> _Resolved:
    people = len(cohort.refs)
    if len(cohort.birth_month) != people or len(cohort.needs) != people:
        raise ValueError("CohortArrays.refs, birth_month and needs must have one entry per young person")
    birth = _column(cohort.birth_month, people, "birth_month")
    if people and (birth.min() < 12 or birth.max() > 9000 * 12 + 11):
        raise ValueError("Birth month must look like YYYY-MM, with a year from 1 to 9000")
    n = len(cohort.person)
    p_idx = _column(cohort.person, n, "person")
    s_idx = _column(cohort.service, n, "service")
    start = _column(cohort.start, n, "start")
    planned = _column(cohort.planned_end, n, "planned_end")
    actual = _column(cohort.actual_end, n, "actual_end")
    own = _column(cohort.weight, n, "weight")
    if n:
        if p_idx.min() < 0 or p_idx.max() >= people:
            raise ValueError("CohortArrays.person must index CohortArrays.refs")
        if s_idx.min() < 0 or s_idx.max() >= len(services):
            raise ValueError("CohortArrays.service must index the services")
        for name, days, empty_ok in (("start", start, False), ("planned_end", planned, True),
                                     ("actual_end", actual, True)):  # fmt: skip
            bad = (days < 1) | (days > _MAX_ORDINAL)
            if empty_ok:
                bad &= days != NO_DATE
            if bad.any():
                raise ValueError(f"CohortArrays.{name} must hold date ordinals" + (" or NO_DATE" if empty_ok else ""))
    ends_at = services.ends_at_age[s_idx]
    has_age_limit = ends_at >= 0
    months = birth[p_idx] + 12 * np.where(has_age_limit, ends_at, 0) - 1970 * 12
    limit = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + _EPOCH_ORDINAL
    limit = np.where(has_age_limit, limit, -1)
    end = np.where(
        actual != NO_DATE, actual, np.where(planned != NO_DATE, planned, np.where(has_age_limit, limit, NEVER))
    )
    weight = np.where(own == NO_WEIGHT, services.default_weight[s_idx], own)
    past_actual = (actual != NO_DATE) & (actual <= as_of.toordinal())
    if n > 1 and not bool(np.all(p_idx[1:] >= p_idx[:-1])):
        order = np.argsort(p_idx, kind="stable")
        p_idx, s_idx, start, end, weight = p_idx[order], s_idx[order], start[order], end[order], weight[order]
        has_age_limit, limit, past_actual = has_age_limit[order], limit[order], past_actual[order]
    return _Resolved(
        person=p_idx,
        service=s_idx,
        start=start,
        end=end,
        weight=weight,
        age_reason=has_age_limit & (end == limit),
        past_actual=past_actual,
        adult=services.adult[s_idx],
        first=np.searchsorted(p_idx, np.arange(people + 1), side="left"),
    )


def _step_sums(person: np.ndarray, start: np.ndarray, end: np.ndarray, value: np.ndarray):
    """Per-person step functions: ``at(p, t)`` = sum of ``value`` over rows of p with start <= t < end."""
    live = end > start
    person, start, end, value = person[live], start[live], end[live], value[live]
    finite = end < NEVER
    keys = np.concatenate(((person << _DAY_BITS) + start, (person[finite] << _DAY_BITS) + end[finite]))
    delta = np.concatenate((value, -value[finite]))
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    cum = np.concatenate(([0], np.cumsum(delta[order])))

    def at(p: np.ndarray, t: np.ndarray) -> np.ndarray:
        base = p << _DAY_BITS
        return cum[np.searchsorted(keys, base + t, side="right")] - cum[np.searchsorted(keys, base, side="left")]

    return at


@dataclass(slots=True)
class _Detected:
    """The cliff edges found, as arrays (one entry per edge), and the exits in view in listing order."""

    exit_rows: np.ndarray  # rows of the exits in view, by (person, date, service id, reason)
    person: np.ndarray
    start: np.ndarray
    end: np.ndarray
    before: np.ndarray
    after: np.ndarray
    exits_lo: np.ndarray  # the edge's exits are exit_rows[exits_lo:exits_hi]
    exits_hi: np.ndarray
    age_driven: np.ndarray
    bridged: np.ndarray


def _detect(r: _Resolved, services: ServiceIndex, params: Parameters) -> _Detected:
    """Every cliff edge of every person at once: windows, qualifying, merging, all array operations."""
    as_of = params.as_of.toordinal()
    horizon_end = as_of + params.horizon_days
    W, K, D = params.window_days, params.min_exits, params.min_drop
    # Exits in view, listed by (person, date, service id, reason: age_limit before planned).
    exit_rows = np.flatnonzero((r.end > r.start) & (r.end >= as_of) & (r.end < horizon_end))
    ex_person, ex_day = r.person[exit_rows], r.end[exit_rows]
    order = np.lexsort((~r.age_reason[exit_rows], services.rank[r.service[exit_rows]], ex_day, ex_person))
    exit_rows = exit_rows[order]
    exit_keys = (ex_person[order] << _DAY_BITS) + ex_day[order]

    # One window per distinct (person, exit date); only those with enough exits can qualify.
    distinct = np.ones(len(exit_keys), dtype=bool)
    distinct[1:] = exit_keys[1:] != exit_keys[:-1]
    window_keys = exit_keys[distinct]
    n = np.searchsorted(exit_keys, window_keys + W, side="left") - np.flatnonzero(distinct)
    window_keys = window_keys[n >= K]
    w_person = window_keys >> _DAY_BITS
    w_day = window_keys - (w_person << _DAY_BITS)
    # Support, from the rows of the people who have such a window only.
    candidate = np.zeros(len(r.first) - 1, dtype=bool)
    candidate[w_person] = True
    rows = candidate[r.person]
    support = _step_sums(r.person[rows], r.start[rows], r.end[rows], r.weight[rows])
    before = support(w_person, w_day - 1)
    drop = before - support(w_person, w_day + W - 1)
    qualifies = (drop > 0) & (drop >= D * before)

    # Union of qualifying windows whose starts are less than W apart, per person.
    q_person, q_day = w_person[qualifies], w_day[qualifies]
    new_edge = np.ones(len(q_day), dtype=bool)
    new_edge[1:] = (q_person[1:] != q_person[:-1]) | (q_day[1:] - q_day[:-1] >= W)
    first = np.flatnonzero(new_edge)
    last = np.append(first[1:], len(q_day))[: len(first)] - 1
    e_person, e_start, e_end = q_person[first], q_day[first], q_day[last] + W
    e_lo = np.searchsorted(exit_keys, (e_person << _DAY_BITS) + e_start, side="left")
    e_hi = np.searchsorted(exit_keys, (e_person << _DAY_BITS) + e_end, side="left")
    age_prefix = np.concatenate(([0], np.cumsum(r.age_reason[exit_rows])))
    # Bridged: an adult or all-age involvement of the person active on the edge's last day.
    edge_people = np.zeros(len(r.first) - 1, dtype=bool)
    edge_people[e_person] = True
    adult_rows = r.adult & edge_people[r.person]
    ones = np.ones(int(adult_rows.sum()), dtype=np.int64)
    adult = _step_sums(r.person[adult_rows], r.start[adult_rows], r.end[adult_rows], ones)
    return _Detected(
        exit_rows=exit_rows,
        person=e_person,
        start=e_start,
        end=e_end,
        before=support(e_person, e_start - 1),
        after=support(e_person, e_end - 1),
        exits_lo=e_lo,
        exits_hi=e_hi,
        age_driven=(age_prefix[e_hi] - age_prefix[e_lo]) > 0,
        bridged=adult(e_person, e_end - 1) > 0,
    )


# ------------------------------------------------------------------------------------------- forecast
def forecast_arrays(
    cohort: CohortArrays,
    services: ServiceIndex | Iterable[Service],
    params: Parameters,
    *,
    plans: bool = True,
) -> Forecast:
    """Every cliff edge in the cohort, with suggestions, exit plans (unless ``plans=False``) and counts.

    The array entry point: no per-involvement Python objects. Detection is array operations over
    the whole cohort; Python runs only for the edges found (their exits, suggestions and plans).
    """
    services = _service_index(services)
    r = _resolve(cohort, services, params.as_of)
    found = _detect(r, services, params)
    edges = _edges(cohort, services, r, found, params, plans)
    # Cohort view: every exit in view per agency and month.
    by_agency: dict[tuple[str, str], int] = defaultdict(int)
    rows = found.exit_rows
    if len(rows):
        month = (r.end[rows] - _EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        keys, counts = np.unique(r.service[rows] * (1 << 32) + month, return_counts=True)
        for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
            svc, m = divmod(key, 1 << 32)
            year, mon = divmod(m + 1970 * 12, 12)
            by_agency[(services.agency[svc], f"{year:04d}-{mon + 1:02d}")] += count
    return Forecast(params, tuple(edges), cohort_view(edges, by_agency, params))


def forecast(
    people: Sequence[Person],
    services: ServiceIndex | Sequence[Service],
    involvements: Sequence[Involvement],
    params: Parameters,
    *,
    plans: bool = True,
) -> Forecast:
    """:func:`forecast_arrays` for dataclass records (same results)."""
    index = _service_index(services)
    return forecast_arrays(CohortArrays.from_records(people, index, involvements), index, params, plans=plans)


def forecast_person(
    person: Person,
    services: ServiceIndex | Sequence[Service],
    involvements: Iterable[Involvement],
    params: Parameters,
    *,
    plans: bool = True,
) -> tuple[CliffEdge, ...]:
    """One young person's cliff edges (what changing one of their involvements recomputes).

    Same edges as the whole-cohort forecast gives that person. ``involvements`` of other young
    people are ignored. Pass a prebuilt :class:`ServiceIndex` when ``services`` is a whole directory:
    a plain sequence is indexed on every call.
    """
    index = _service_index(services)
    mine = [inv for inv in involvements if inv.ref == person.ref]
    cohort = CohortArrays.from_records([person], index, mine)
    r = _resolve(cohort, index, params.as_of)
    return tuple(_edges(cohort, index, r, _detect(r, index, params), params, plans))


def _edges(
    cohort: CohortArrays, services: ServiceIndex, r: _Resolved, found: _Detected, params: Parameters, plans: bool
) -> list[CliffEdge]:
    """The CliffEdge objects (exits, suggestions, plans) of the detected edges, sorted."""
    ids = services.ids
    row_service = r.service[found.exit_rows].tolist()
    row_end = r.end[found.exit_rows].tolist()
    row_age = r.age_reason[found.exit_rows].tolist()
    day_cache: dict[int, dt.date] = {}
    exit_cache: dict[tuple[int, int, bool], Exit] = {}
    plan_cache: dict = {}
    edges: list[CliffEdge] = []
    first = r.first
    birth = cohort.birth_month
    for p, lo, hi, start, end, before, after, age_driven, bridged in zip(
        found.person.tolist(), found.exits_lo.tolist(), found.exits_hi.tolist(), found.start.tolist(),
        found.end.tolist(), found.before.tolist(), found.after.tolist(), found.age_driven.tolist(),
        found.bridged.tolist(), strict=True,
    ):  # fmt: skip
        exits = []
        for k in range(lo, hi):
            key = (row_service[k], row_end[k], row_age[k])
            x = exit_cache.get(key)
            if x is None:
                day = day_cache.get(key[1]) or day_cache.setdefault(key[1], dt.date.fromordinal(key[1]))
                x = exit_cache[key] = Exit(ids[key[0]], day, AGE_LIMIT if key[2] else PLANNED)
            exits.append(x)
        start_day = day_cache.get(start) or day_cache.setdefault(start, dt.date.fromordinal(start))
        end_day = day_cache.get(end) or day_cache.setdefault(end, dt.date.fromordinal(end))
        a, b = int(first[p]), int(first[p + 1])
        age = (start_day.year * 12 + start_day.month - 1 - int(birth[p])) // 12
        ranked = services.ranked_suggestions(cohort.needs[p], age)
        if ranked:
            used = set(r.service[a:b].tolist())
            suggestions = tuple(s for k, s in ranked if k not in used)
        else:
            suggestions = ()
        plan = None
        if plans:
            plan = plan_exits(_person_context(services, r, a, b), start, end, params, plan_cache)
        edges.append(
            CliffEdge(
                ref=cohort.refs[p],
                start=start_day,
                end=end_day,
                exits=tuple(exits),
                support_before=units_to_weight(before),
                support_after=units_to_weight(after),
                age_driven=age_driven,
                bridged=bridged,
                suggestions=suggestions,
                plan=plan,
            )
        )
    edges.sort(key=lambda e: (e.start, e.ref, e.end))
    return edges


def cohort_view(edges: Sequence[CliffEdge], exits_by_agency: dict[tuple[str, str], int], params: Parameters) -> Cohort:
    """Per month ahead: young people with an edge starting, age-driven, unbridged; exits per agency."""
    months = _months_ahead(params)
    people: dict[str, set[str]] = {m: set() for m in months}
    age: dict[str, set[str]] = {m: set() for m in months}
    unbridged: dict[str, set[str]] = {m: set() for m in months}
    for edge in edges:
        m = month_key(edge.start)
        people[m].add(edge.ref)
        if edge.age_driven:
            age[m].add(edge.ref)
        if not edge.bridged:
            unbridged[m].add(edge.ref)
    by_month = tuple(MonthRow(m, len(people[m]), len(age[m]), len(unbridged[m])) for m in months)
    by_agency = tuple(AgencyMonthRow(a, m, n) for (a, m), n in sorted(exits_by_agency.items()) if n)
    return Cohort(by_month, by_agency)


def _months_ahead(params: Parameters) -> list[str]:
    first = params.as_of
    last = first + dt.timedelta(days=params.horizon_days - 1)
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --------------------------------------------------------------------------------------- exit planner
@dataclass(slots=True)
class PersonContext:
    """One person's resolved involvements, as plain lists (ordinals, millionths)."""

    service_ids: list[str]
    starts: list[int]
    ends: list[int]
    weights: list[int]
    age_reason: list[bool]
    past_actual: list[bool]
    max_extension: list[int]


def _person_context(services: ServiceIndex, r: _Resolved, a: int, b: int) -> PersonContext:
    svc = r.service[a:b].tolist()
    return PersonContext(
        [services.ids[s] for s in svc],
        r.start[a:b].tolist(),
        r.end[a:b].tolist(),
        r.weight[a:b].tolist(),
        r.age_reason[a:b].tolist(),
        r.past_actual[a:b].tolist(),
        [services.max_extension[s] for s in svc],
    )


def flexible_exits(ctx: PersonContext, start: int, end: int, params: Parameters) -> list[int]:
    """Rows of the edge's exits that may move: not fixed, and at least one week of extension allowed."""
    as_of = params.as_of.toordinal()
    horizon_end = as_of + params.horizon_days
    rows = []
    for i, e in enumerate(ctx.ends):
        if not (ctx.starts[i] < e and as_of <= e < horizon_end and start <= e < end):
            continue
        if ctx.past_actual[i] or ctx.max_extension[i] < GRID_DAYS:
            continue  # fixed (age-limited with no extension allowed falls here too)
        rows.append(i)
    rows.sort(key=lambda i: (ctx.ends[i], ctx.service_ids[i], i))
    return rows


def evaluate_plan(
    ctx: PersonContext, ends: Sequence[int], edge_start: int, edge_end: int, params: Parameters, moved: Sequence[int],
) -> tuple[bool, int]:  # fmt: skip
    """(an edge still overlaps the plan's span, the largest drop of a window in it) for ``ends``.

    The plain definition (ADR 0005, 15): the view and the span reach as far as the moved exits
    (``moved`` rows) go. The planner's search computes the same thing incrementally.
    """
    as_of = params.as_of.toordinal()
    W, K, D = params.window_days, params.min_exits, params.min_drop
    reach = max((ends[i] for i in moved), default=edge_start) + 1
    view_end = max(as_of + params.horizon_days, reach)
    span_end = max(edge_end, reach)
    starts, weights = ctx.starts, ctx.weights
    exits = sorted(e for s, e in zip(starts, ends, strict=True) if s < e and as_of <= e < view_end)
    any_edge, worst = False, None
    last = None
    for d in exits:
        if d == last or d < edge_start or d >= span_end:
            continue
        last = d
        before = after = 0
        for s, e, w in zip(starts, ends, weights, strict=True):
            if s <= d - 1 < e:
                before += w
            if s <= d + W - 1 < e:
                after += w
        n = sum(1 for x in exits if d <= x < d + W)
        drop = before - after
        if n >= K and drop > 0 and drop >= D * before:
            any_edge = True
        if worst is None or drop > worst:
            worst = drop
    return any_edge, (0 if worst is None else worst)


def plan_exits(
    ctx: PersonContext, edge_start: int, edge_end: int, params: Parameters, cache: dict | None = None
) -> Plan:
    """The exit plan for one edge (DESIGN section 6): exact for up to 8 flexible exits, else heuristic.

    Objective, smallest first: (an edge still overlaps the span, largest window drop in the span,
    total extension days, the extensions themselves in exit order). The last term only breaks ties,
    so the optimum is unique and any exact search finds the same plan as brute force.

    The search runs on the edge moved to a fixed day (it is translation invariant once the
    involvements that cannot matter are set aside), so ``cache`` can share answers between young
    people whose edges look alike.
    """
    flex = flexible_exits(ctx, edge_start, edge_end, params)
    if not flex:  # nothing can move: the edge stays
        return Plan(False, (), 0, _bridging(ctx, edge_start, edge_end, params), True)
    options = [list(range(0, ctx.max_extension[i] // GRID_DAYS * GRID_DAYS + 1, GRID_DAYS)) for i in flex]
    reduced, rflex, last_t = _relevant_rows(ctx, flex, options, edge_start, edge_end, params)
    shift = _ORIGIN - edge_start
    moved = PersonContext(
        reduced.service_ids,
        [max(s, edge_start - 2) + shift for s in reduced.starts],
        [e if e >= NEVER else e + shift for e in reduced.ends],
        reduced.weights,
        reduced.age_reason,
        reduced.past_actual,
        reduced.max_extension,
    )
    horizon_end = min(params.as_of.toordinal() + params.horizon_days, last_t + 1)
    local = Parameters(
        dt.date.fromordinal(_ORIGIN),
        params.window_days,
        horizon_end - edge_start,
        params.min_exits,
        params.min_drop,
    )
    key = (
        local,
        edge_end - edge_start,
        tuple(zip(moved.starts, moved.ends, moved.weights, strict=True)),
        tuple(rflex),
        tuple(len(o) for o in options),
    )
    solved = None if cache is None else cache.get(key)
    if solved is None:
        solved = _solve(moved, rflex, options, _ORIGIN, _ORIGIN + edge_end - edge_start, local)
        if cache is not None:
            cache[key] = solved
    still_edge, total, exts, exact = solved
    changes = tuple(
        Change(ctx.service_ids[i], dt.date.fromordinal(ctx.ends[i]), dt.date.fromordinal(ctx.ends[i] + ext))
        for i, ext in zip(flex, exts, strict=True)
        if ext
    )
    needed = _bridging(ctx, edge_start, edge_end, params) if still_edge else 0.0
    return Plan(not still_edge, changes, total, needed, exact)


def _bridging(ctx: PersonContext, edge_start: int, edge_end: int, params: Parameters) -> float:
    before = sum(w for s, e, w in zip(ctx.starts, ctx.ends, ctx.weights, strict=True) if s <= edge_start - 1 < e)
    after = sum(w for s, e, w in zip(ctx.starts, ctx.ends, ctx.weights, strict=True) if s <= edge_end - 1 < e)
    return bridging_needed(before, after, params.min_drop)


def _solve(ctx, flex, options, edge_start, edge_end, params) -> tuple[bool, int, list[int], bool]:
    """(an edge is left, extension days, extension per flexible exit, found by the exact search)."""
    if len(flex) == 1:  # every option, evaluated
        search = _Search(ctx, flex, options, edge_start, edge_end, params)
        key = min(search.key([q]) for q in search.pos[0])
        return key[0], key[2], list(key[3]), True
    if len(flex) <= EXACT_LIMIT:
        key, exts, exact = _Search(ctx, flex, options, edge_start, edge_end, params).run(_NODE_BUDGET)
        return key[0], key[2], exts, exact
    # Heuristic: the exact search over the heaviest exits (the others held), then coordinate descent.
    heavy = sorted(range(len(flex)), key=lambda k: (-ctx.weights[flex[k]], ctx.ends[flex[k]], k))[:EXACT_LIMIT]
    heavy.sort()
    sub = _Search(ctx, [flex[k] for k in heavy], [options[k] for k in heavy], edge_start, edge_end, params)
    _, sub_exts, _ = sub.run(_NODE_BUDGET)
    exts = [0] * len(flex)
    for k, ext in zip(heavy, sub_exts, strict=True):
        exts[k] = ext
    key, exts = _Search(ctx, flex, options, edge_start, edge_end, params).descend(exts)
    return key[0], key[2], exts, False


def _relevant_rows(ctx, flex, options, edge_start, edge_end, params):
    """Drop involvements that cannot touch any window the plan can judge, and fold those active over
    the whole judged stretch into one open-ended row of their total weight. Same answers, less work.
    """
    W = params.window_days
    span_end_max = max([edge_end] + [ctx.ends[i] + opts[-1] + 1 for i, opts in zip(flex, options, strict=True)])
    first_t, last_t = edge_start - 1, span_end_max + W - 2
    keep, constant = [], 0
    flex_set = set(flex)
    for i, (s, e) in enumerate(zip(ctx.starts, ctx.ends, strict=True)):
        if i in flex_set:
            keep.append(i)
        elif e <= first_t or s > last_t or e <= s:
            continue
        elif s <= first_t and e > last_t:
            constant += ctx.weights[i]
        else:
            keep.append(i)
    position = {row: k for k, row in enumerate(keep)}
    reduced = PersonContext(
        [ctx.service_ids[i] for i in keep] + [""],
        [ctx.starts[i] for i in keep] + [first_t - 1],
        [ctx.ends[i] for i in keep] + [NEVER],
        [ctx.weights[i] for i in keep] + [constant],
        [ctx.age_reason[i] for i in keep] + [False],
        [ctx.past_actual[i] for i in keep] + [False],
        [ctx.max_extension[i] for i in keep] + [0],
    )
    return reduced, [position[i] for i in flex], last_t


class _Search:
    """One edge's exit plan as plain integers, and its exact search (ADR 0005, 18).

    ``flex`` are the flexible rows in exit order; every other row of ``ctx`` is fixed. The search
    places the flexible exits in time order (the next one to place is the earliest of those left,
    ties by exit order), so that a window whose last day has passed is known exactly, and prunes a
    partial plan when a lower bound on (edge left, largest drop, extension days, extensions) of
    every completion that could still beat the best plan is not below it.
    """

    def __init__(self, ctx: PersonContext, flex, options, edge_start: int, edge_end: int, params: Parameters):
        as_of = params.as_of.toordinal()
        self.H = as_of + params.horizon_days
        W = self.W = params.window_days
        self.K, self.D = params.min_exits, params.min_drop
        self.S, self.E = edge_start, edge_end
        self.m = len(flex)
        flex_set = set(flex)
        self.fs = [ctx.starts[i] for i in flex]
        self.fb = fb = [ctx.ends[i] for i in flex]
        self.fw = [ctx.weights[i] for i in flex]
        self.pos = pos = [[b + x for x in opts] for b, opts in zip(fb, options, strict=True)]
        self.maxpos = [p[-1] for p in pos]
        fixed = [
            (s, e, w)
            for i, (s, e, w) in enumerate(zip(ctx.starts, ctx.ends, ctx.weights, strict=True))
            if i not in flex_set and s < e
        ]
        # Fixed exits that a judged window can count (windows start on or after the edge's start).
        self.FDall = sorted(e for _, e, _ in fixed if max(edge_start, as_of) <= e < NEVER)
        self.FD = sorted(set(self.FDall))
        # Support of the fixed rows before (day d - 1) and after (day d + W - 1) a window at d.
        steps: dict[int, int] = defaultdict(int)
        for s, e, w in fixed:
            steps[s] += w
            if e < NEVER:
                steps[e] -= w
        days = sorted(steps)
        totals, running = [], 0
        for d in days:
            running += steps[d]
            totals.append(running)

        def support(t: int) -> int:
            k = bisect_right(days, t)
            return totals[k - 1] if k else 0

        candidates = set(self.FD)
        for p in pos:
            candidates.update(p)
        self.FB = {c: support(c - 1) for c in candidates}
        self.FA = {c: support(c + W - 1) for c in candidates}

    # ------------------------------------------------------------------------------ exact evaluation
    def window(self, d: int, ends: Sequence[int], view_end: int) -> tuple[int, int, int]:
        """(before, after, exits) of the window at d, flexible exits at ``ends`` (NEVER: later)."""
        W, FDall = self.W, self.FDall
        before, after = self.FB[d], self.FA[d]
        n = bisect_left(FDall, min(d + W, view_end)) - bisect_left(FDall, d)
        dm1, dw = d - 1, d + W - 1
        for s, e, w in zip(self.fs, ends, self.fw, strict=True):
            if s <= dm1 < e:
                before += w
            if s <= dw < e:
                after += w
            if d <= e <= dw:
                n += 1
        return before, after, n

    def key(self, positions: Sequence[int]) -> tuple[bool, int, int, tuple[int, ...]]:
        """The objective of a complete plan (what :func:`evaluate_plan` gives, plus the extensions)."""
        S, K, D = self.S, self.K, self.D
        reach = max(positions, default=S) + 1
        view_end, span_end = max(self.H, reach), max(self.E, reach)
        days = set(positions)
        days.update(f for f in self.FD if f < view_end and f < span_end)
        still, worst = False, None
        for d in days:
            before, after, n = self.window(d, positions, view_end)
            drop = before - after
            if n >= K and drop > 0 and drop >= D * before:
                still = True
            if worst is None or drop > worst:
                worst = drop
        exts = tuple(e - b for e, b in zip(positions, self.fb, strict=True))
        return still, (0 if worst is None else worst), sum(exts), exts

    def descend(self, exts: list[int]) -> tuple[tuple, list[int]]:
        """Heuristic: from ``exts``, move one exit at a time to its best option until nothing gains."""
        positions = [b + x for b, x in zip(self.fb, exts, strict=True)]
        best = self.key(positions)
        for _round in range(50):
            improved = False
            for i, options in enumerate(self.pos):
                keep = positions[i]
                for q in options:
                    if q != keep:
                        positions[i] = q
                        candidate = self.key(positions)
                        if candidate < best:
                            best, keep, improved = candidate, q, True
                positions[i] = keep
            if not improved:
                break
        return best, list(best[3])

    # ----------------------------------------------------------------------------------- static bounds
    def _regions(self, i: int, c: int, k0: int = 0, k1: int = -1) -> tuple[int, int, bool]:
        """For exit i (options k0..k1) and a window at day c: (smallest drop contribution, largest
        "before" contribution, surely inside the window). Ending before c adds nothing; inside
        [c, c + W) adds its weight if it was active on c - 1; after the window, nothing (or minus its
        weight if it started inside the window: a handover)."""
        s, w, options, W = self.fs[i], self.fw[i], self.pos[i], self.W
        k1 = k1 if k1 >= 0 else len(options) - 1
        inside_before = w if s <= c - 1 else 0
        early = options[k0] <= c - 1
        late = options[k1] >= c + W
        b = options[0]
        k = max(k0, 0 if c <= b else (c - b + GRID_DAYS - 1) // GRID_DAYS)
        inside = k <= k1 and options[k] <= c + W - 1
        low = 0 if early else None
        if inside and (low is None or inside_before < low):
            low = inside_before
        if late:
            after = inside_before - (w if s <= c + W - 1 else 0)
            if low is None or after < low:
                low = after
        top = inside_before if (inside or late) else 0
        return low, (max(top, 0) if early else top), not early and not late

    def _prepare(self) -> None:
        m, W, K, D, H, E = self.m, self.W, self.K, self.D, self.H, self.E
        FB, FA, FDall, fs, fw, pos = self.FB, self.FA, self.FDall, self.fs, self.fw, self.pos
        regions: dict[int, tuple[list[tuple[int, int, bool]], int, int, int]] = {}
        # Each flexible exit opens a window where it lands: a lower bound on that window's drop and
        # whether it surely qualifies, for every option, then the best over "this option or later".
        self.own_drop, self.own_edge = [], []
        for i in range(m):
            drops, edges = [], []
            for c in pos[i]:
                found = regions.get(c)
                if found is None:
                    reg = [self._regions(j, c) for j in range(m)]
                    found = regions[c] = (reg, sum(r[0] for r in reg), sum(r[1] for r in reg), sum(r[2] for r in reg))
                reg, low, high, inside = found
                own = fw[i] if fs[i] <= c - 1 else 0
                drop = FB[c] - FA[c] + own + low - reg[i][0]
                before = FB[c] + own + high - reg[i][1]
                n = 1 + bisect_left(FDall, min(c + W, max(H, c + 1))) - bisect_left(FDall, c) + inside - reg[i][2]
                drops.append(drop)
                edges.append(n >= K and drop > 0 and drop >= D * before)
            for k in range(len(drops) - 2, -1, -1):
                drops[k] = min(drops[k], drops[k + 1])
                edges[k] = edges[k] and edges[k + 1]
            self.own_drop.append(drops)
            self.own_edge.append(edges)
        # Fixed exits' windows judged whatever the plan (before the edge's end and the horizon), and
        # their exact values once every flexible exit is earlier (suffix: any / largest from k on).
        self.judged = judged = [f for f in self.FD if f < E and f < H]
        tail_drop, tail_edge = [], []
        for f in judged:
            n_fixed = bisect_left(FDall, min(f + W, H)) - bisect_left(FDall, f)
            alone = FB[f] - FA[f]
            tail_drop.append(alone)
            tail_edge.append(n_fixed >= K and alone > 0 and alone >= D * FB[f])
        tail_drop.append(-_INFINITY)
        tail_edge.append(False)
        for k in range(len(tail_drop) - 2, -1, -1):
            tail_drop[k] = max(tail_drop[k], tail_drop[k + 1])
            tail_edge[k] = tail_edge[k] or tail_edge[k + 1]
        self.tail_drop, self.tail_edge = tail_drop, tail_edge
        # Interchangeable exits (same end, weight and options, started before the edge): only the
        # order with non-decreasing extensions is searched (the tie-break keeps that one anyway).
        self.pred = [-1] * m
        seen: dict[tuple, int] = {}
        for i in range(m):
            start = fs[i] if fs[i] >= self.S - 1 else None
            cls = (self.fb[i], fw[i], tuple(pos[i]), start)
            if cls in seen:
                self.pred[i] = seen[cls]
            seen[cls] = i

    # ------------------------------------------------------------------------------------------ search
    def run(self, budget: int) -> tuple[tuple, list[int], bool]:
        """(best objective, its extensions, whether the search finished within ``budget`` nodes).

        A node has some exits placed, the last at day p; every other exit will end at p or later.
        Each open exit has a range of options lo..hi. A window is "judged" for sure when its day is
        an exit already placed or a fixed exit (at or before p, or before the edge's end and the
        horizon). For such a window each open exit either ends before it, inside it or after it,
        as its range allows; that gives the smallest possible drop, the largest possible "before"
        and the fewest exits. Against the best plan so far, a completion can only win if every
        judged window keeps its drop at most the best's largest drop (and, when the best has no
        edge, does not qualify): ranges shrink to what that allows (propagation), and the node is
        pruned when nothing is left or the bound (edge, drop, days, extensions) is not below the best.
        """
        self._prepare()
        m, S, H, W, K, D = self.m, self.S, self.H, self.W, self.K, self.D
        fs, fb, fw, pos = self.fs, self.fb, self.fw, self.pos
        FD, FDall, FB, FA = self.FD, self.FDall, self.FB, self.FA
        own_drop, own_edge, judged, pred = self.own_drop, self.own_edge, self.judged, self.pred
        tail_drop, tail_edge = self.tail_drop, self.tail_edge
        window, regions, ceil = self.window, self._regions, math.ceil
        last_k = [len(p) - 1 for p in pos]
        cur = [NEVER] * m  # placed exits at their new end; the others NEVER (= later than now)
        open_ = [True] * m
        placed: list[int] = []  # new ends in placement order (non-decreasing)
        nodes, left = 0, m
        best: list = [None, None]

        def windows(p: int, fptr: int, pptr: int) -> list[tuple]:
            """The surely judged windows with a day the sweep has reached or a fixed exit ahead:
            (before, after and exits from fixed and placed exits, open exits, pending)."""
            days = set(placed[pptr:])
            days.update(FD[fptr : bisect_right(FD, p)])
            days.update(judged[bisect_right(judged, p) :])
            view = max(H, p + 1)
            found = []
            for d in days:
                dm1, dw = d - 1, d + W - 1
                before, after = FB[d], FA[d]
                n = bisect_left(FDall, min(d + W, view)) - bisect_left(FDall, d)
                movable = []
                for i in range(m):
                    s, w, e = fs[i], fw[i], cur[i]
                    if e < NEVER:
                        if s <= dm1 < e:
                            before += w
                        if s <= dw < e:
                            after += w
                        if d <= e <= dw:
                            n += 1
                        continue
                    b = fb[i]
                    k_in = 0 if d <= b else (d - b + GRID_DAYS - 1) // GRID_DAYS
                    k_late = 0 if d + W <= b else (d + W - b + GRID_DAYS - 1) // GRID_DAYS
                    movable.append((i, k_in, k_late, w if s <= dm1 else 0, w if s <= dw else 0))
                # Fixed exits in the window that are in view only if a plan reaches past them.
                unsure = bisect_left(FDall, d + W) - bisect_left(FDall, max(d, min(d + W, view)))
                found.append((before, after, n, movable, d <= p, unsure))
            return found

        def judge(win, lo, hi) -> tuple[int, int, int]:
            """(smallest drop, largest before, fewest exits) of a window, open exits in their ranges."""
            before, after, n, movable = win[:4]
            drop, top = before - after, before
            for i, k_in, k_late, b_in, a_out in movable:
                low, high = lo[i], hi[i]
                early = low < k_in
                first_in = low if low > k_in else k_in
                inside = first_in <= high and first_in < k_late
                late = high >= k_late
                c = 0 if early else None
                if inside and (c is None or b_in < c):
                    c = b_in
                if late and (c is None or b_in - a_out < c):
                    c = b_in - a_out
                drop += c
                if inside or late:
                    top += max(b_in, 0) if early else b_in
                if inside and not early and not late:
                    n += 1
            return drop, top, n

        def restrict(win, lo, hi, theta, no_edge):
            """Shrink open exits' ranges so that the window's drop stays <= theta (and, when
            no_edge, the window cannot qualify). None: impossible; else whether a range shrank."""
            drop, top, n = judge(win, lo, hi)
            limit = late_limit = theta
            if no_edge:
                q = max(0, ceil(D * top) - 1)  # the largest drop that does not qualify
                if n >= K:  # too many exits stay for the count to fall below K
                    limit = late_limit = q if theta is None else min(theta, q)
                elif n + win[5] >= K:  # an exit ending after the window brings fixed ones into view
                    late_limit = q if theta is None else min(theta, q)
            if limit is None and late_limit is None:
                return False
            slack = _INFINITY if limit is None else limit - drop
            late_slack = _INFINITY if late_limit is None else late_limit - drop
            if slack < 0:
                return None
            changed = False
            for i, k_in, k_late, b_in, a_out in win[3]:
                low, high = lo[i], hi[i]
                early = low < k_in
                first_in = low if low > k_in else k_in
                inside = first_in <= high and first_in < k_late
                late = high >= k_late
                values = []
                if early:
                    values.append(0)
                if inside:
                    values.append(b_in)
                if late:
                    values.append(b_in - a_out)
                c = min(values)
                e_ok = early and -c <= slack
                i_ok = inside and b_in - c <= slack
                l_ok = late and b_in - a_out - c <= late_slack
                if e_ok == early and i_ok == inside and l_ok == late:
                    continue
                if not e_ok and not i_ok:
                    low = max(low, k_late)
                elif not i_ok and not l_ok:
                    high = min(high, k_in - 1)
                elif not e_ok and not l_ok:
                    low, high = max(low, k_in), min(high, k_late - 1)
                elif not e_ok:
                    low = max(low, k_in)
                elif not l_ok:
                    high = min(high, k_late - 1)
                else:
                    continue  # only "inside" is ruled out: not a range
                if low > high:
                    return None
                if low != lo[i] or high != hi[i]:
                    lo[i], hi[i] = low, high
                    changed = True
            return changed

        def propagate(wins, lo, hi, theta, no_edge) -> bool:
            changed = True
            while changed:
                changed = False
                for win in wins:
                    result = restrict(win, lo, hi, theta, no_edge)
                    if result is None:
                        return False
                    changed = changed or result
            return True

        def extra_days(wins, lo, hi, theta, no_edge) -> float:
            """Least extension beyond the lowest options that meeting every pending window's
            requirement costs (the largest over those windows; each a fractional knapsack)."""
            need_days = 0.0
            for before, after, n, movable, is_pending, _ in wins:
                if not is_pending:
                    continue  # ending before a window ahead may cost nothing
                drop_in, items = before - after, []
                for i, _k_in, k_late, b_in, a_out in movable:
                    before += b_in  # every exit still to place ends on the window's day or later
                    if lo[i] >= k_late:
                        drop_in += b_in - a_out  # already after the window
                        continue
                    drop_in += b_in
                    n += 1
                    if hi[i] >= k_late:
                        items.append((pos[i][k_late] - pos[i][lo[i]], a_out))
                    # else it cannot leave
                cost = _cheapest_saving(items, drop_in - theta)
                if no_edge:
                    by_drop = _cheapest_saving(items, drop_in - max(0, ceil(D * before) - 1))
                    if n - len(items) < K:  # or leave enough for fewer than K exits
                        count = n - K + 1
                        by_count = 0 if count <= 0 else sum(sorted(x for x, _ in items)[:count])
                        by_drop = min(by_drop, by_count)
                    cost = max(cost, by_drop)
                if cost > need_days:
                    need_days = cost
            return need_days

        def own_window(i: int, lo, hi, theta) -> tuple[bool, bool]:
            """Wherever open exit i lands in its range, the others in theirs: (its window surely
            qualifies, its window surely drops more than theta)."""
            all_edge, all_above = True, theta is not None
            s_i, w_i = fs[i], fw[i]
            for k in range(lo[i], hi[i] + 1):
                c = pos[i][k]
                dm1, dw = c - 1, c + W - 1
                before = FB[c] + (w_i if s_i <= dm1 else 0)
                drop, top = before - FA[c], before
                n = 1 + bisect_left(FDall, min(c + W, max(H, c + 1))) - bisect_left(FDall, c)
                for j in range(m):
                    if j == i:
                        continue
                    e = cur[j]
                    if e < NEVER:
                        s, w = fs[j], fw[j]
                        if s <= dm1 < e:
                            drop += w
                            top += w
                        if s <= dw < e:
                            drop -= w
                        if c <= e <= dw:
                            n += 1
                    else:
                        low, high, inside = regions(j, c, lo[j], hi[j])
                        drop += low
                        top += high
                        n += inside
                if all_edge and not (n >= K and drop > 0 and drop >= D * top):
                    all_edge = False
                if all_above and drop <= theta:
                    all_above = False
                if not (all_edge or all_above):
                    break
            return all_edge, all_above

        def shrunk(lo, hi, was_lo, was_hi, theta, no_edge) -> bool:
            """After ranges shrank: whether some open exit's own window now rules every option out."""
            for i in range(m):
                if open_[i] and (lo[i] > was_lo[i] or hi[i] < was_hi[i]):
                    edge_i, above = own_window(i, lo, hi, theta)
                    if above or (edge_i and no_edge):
                        return True
            return False

        def leaf(p, T, dQ, dM, fptr, pptr) -> None:
            view = max(H, p + 1)
            still, worst = dQ, dM
            days = set(placed[pptr:])
            days.update(FD[fptr : bisect_right(FD, p)])
            for d in days:
                before, after, n = window(d, cur, view)
                drop = before - after
                if n >= K and drop > 0 and drop >= D * before:
                    still = True
                if drop > worst:
                    worst = drop
            j = bisect_right(judged, p)
            still = still or tail_edge[j]
            worst = max(worst, tail_drop[j])
            exts = tuple(e - b for e, b in zip(cur, fb, strict=True))
            key = (still, 0 if worst == -_INFINITY else worst, T, exts)
            if best[0] is None or key < best[0]:
                best[0], best[1] = key, list(exts)

        def visit(p: int, last: int, T: int, dQ: bool, dM, fptr: int, pptr: int) -> bool:
            nonlocal nodes, left
            nodes += 1
            if nodes > budget:
                return False
            if not left:
                leaf(p, T, dQ, dM, fptr, pptr)
                return True
            lo, hi = [0] * m, last_k[:]
            q_lb, m_lb = dQ, dM
            for i in range(m):
                if open_[i]:
                    b = fb[i]
                    k = lo[i] = 0 if p <= b else (p - b + GRID_DAYS - 1) // GRID_DAYS
                    if own_drop[i][k] > m_lb:
                        m_lb = own_drop[i][k]
                    if own_edge[i][k]:
                        q_lb = True
            wins = windows(p, fptr, pptr)
            for win in wins:
                drop, top, n = judge(win, lo, hi)
                if drop > m_lb:
                    m_lb = drop
                if n >= K and drop > 0 and drop >= D * top:
                    q_lb = True
            bk = best[0]
            if bk is not None:
                best_q, best_m, best_t = bk[0], bk[1], bk[2]
                if q_lb and not best_q:
                    return True
                if not q_lb:
                    # Completions with no edge keep every judged window from qualifying.
                    lo_q, hi_q = lo[:], hi[:]
                    if (
                        not propagate(wins, lo_q, hi_q, None, True)
                        or any(open_[i] and own_edge[i][lo_q[i]] for i in range(m))
                        or shrunk(lo_q, hi_q, lo, hi, None, True)
                    ):
                        q_lb = True
                        if not best_q:
                            return True
                    elif not best_q:
                        lo, hi = lo_q, hi_q
                if q_lb == best_q:
                    # Every completion that beats the best has its largest drop <= best_m.
                    was_lo, was_hi = lo[:], hi[:]
                    if not propagate(wins, lo, hi, best_m, not best_q) or shrunk(
                        lo, hi, was_lo, was_hi, best_m, not best_q
                    ):
                        return True
                    for i in range(m):
                        if open_[i]:
                            m_lb = max(m_lb, own_drop[i][lo[i]])
                            if not best_q and own_edge[i][lo[i]]:
                                return True
                    if m_lb > best_m:
                        return True
                    t_lb = T + sum(pos[i][lo[i]] - fb[i] for i in range(m) if open_[i])
                    x_lb = tuple((pos[i][lo[i]] if open_[i] else cur[i]) - fb[i] for i in range(m))
                    if (q_lb, m_lb, t_lb, x_lb) >= bk:
                        return True
                    if t_lb + extra_days(wins, lo, hi, best_m, not best_q) > best_t:
                        # Matching best_m costs more extension than the best: only a lower
                        # largest drop can beat it.
                        was_lo, was_hi = lo[:], hi[:]
                        if not propagate(wins, lo, hi, best_m - 1, not best_q) or shrunk(
                            lo, hi, was_lo, was_hi, best_m - 1, not best_q
                        ):
                            return True
                        for i in range(m):
                            if open_[i]:
                                m_lb = max(m_lb, own_drop[i][lo[i]])
                                if not best_q and own_edge[i][lo[i]]:
                                    return True
                        if m_lb >= best_m:
                            return True
                    elif m_lb == best_m:
                        # No exit may go further past its lowest option than the best's days allow.
                        for i in range(m):
                            if open_[i]:
                                while hi[i] > lo[i] and pos[i][hi[i]] > pos[i][lo[i]] + best_t - t_lb:
                                    hi[i] -= 1
            # Children: which exit comes next in time, and where (all the others come later).
            caps = sorted((pos[i][hi[i]], i) for i in range(m) if open_[i])
            children = []
            for i in range(m):
                if not open_[i] or (pred[i] >= 0 and open_[pred[i]]):
                    continue
                cap = pos[i][hi[i]]
                if len(caps) > 1:
                    cap = min(cap, caps[1][0] if caps[0][1] == i else caps[0][0])
                for q in pos[i][lo[i] : hi[i] + 1]:
                    if q > cap:
                        break
                    if q != p or i > last:
                        children.append((q, i))
            children.sort()
            open_now = [i for i in range(m) if open_[i]]
            seen_q, bound_q = None, None
            for q, i in children:
                bk = best[0]
                if bk is not None:
                    if q != seen_q:
                        # Every exit left goes at q or later: their extension days and own windows.
                        seen_q = q
                        t_q, m_q, q_q = T, m_lb, q_lb
                        for i2 in open_now:
                            b = fb[i2]
                            k2 = 0 if q <= b else (q - b + GRID_DAYS - 1) // GRID_DAYS
                            if k2 < lo[i2]:
                                k2 = lo[i2]
                            if k2 > hi[i2]:
                                t_q = NEVER
                                break
                            t_q += pos[i2][k2] - b
                            if own_drop[i2][k2] > m_q:
                                m_q = own_drop[i2][k2]
                            if own_edge[i2][k2]:
                                q_q = True
                        bound_q = (q_q, m_q, t_q)
                    if bound_q > bk[:3]:
                        break
                # Place exit i at q: windows whose last day is now behind are known exactly.
                cur[i] = q
                end = q - W
                fhi = bisect_right(FD, end)
                phi = pptr
                while phi < len(placed) and placed[phi] <= end:
                    phi += 1
                days = set(FD[fptr:fhi])
                days.update(placed[pptr:phi])
                n_q, n_m = dQ, dM
                for d in days:
                    before, after, n = window(d, cur, NEVER)
                    drop = before - after
                    if n >= K and drop > 0 and drop >= D * before:
                        n_q = True
                    if drop > n_m:
                        n_m = drop
                if bk is not None:
                    child = (bound_q[0] or n_q, max(bound_q[1], n_m), bound_q[2])
                    if child > bk[:3]:
                        cur[i] = NEVER
                        continue
                    if child == bk[:3]:  # then the extensions decide: the child's are at least these
                        x_child = []
                        for j in range(m):
                            if j == i or not open_[j]:
                                x_child.append(cur[j] - fb[j])
                            else:
                                b = fb[j]
                                k2 = max(lo[j], 0 if q <= b else (q - b + GRID_DAYS - 1) // GRID_DAYS)
                                x_child.append(pos[j][k2] - b)
                        if tuple(x_child) >= bk[3]:
                            cur[i] = NEVER
                            continue
                open_[i] = False
                left -= 1
                placed.append(q)
                finished = visit(q, i, T + q - fb[i], n_q, n_m, fhi, phi)
                placed.pop()
                left += 1
                open_[i] = True
                cur[i] = NEVER
                if not finished:
                    return False
            return True

        complete = visit(S - 1, -1, 0, False, -_INFINITY, 0, 0)
        self.nodes = nodes
        return best[0], best[1], complete


def _cheapest_saving(items, required) -> float:
    """Least cost of (cost, saving) items whose savings reach ``required``, items divisible (the
    fractional knapsack: a lower bound on the whole-item answer). Items saving nothing are ignored."""
    if required <= 0:
        return 0.0
    total = 0.0
    for cost, saving in sorted((it for it in items if it[1] > 0), key=lambda it: it[0] / it[1]):
        if saving >= required:
            return total + cost * required / saving
        total += cost
        required -= saving
    return _INFINITY


# --------------------------------------------------------------------------------------------- output
def forecast_to_json(result: Forecast) -> dict:
    """The ``joinedup forecast`` JSON shape (issue 3): ISO dates, edge ends exclusive."""
    p = result.parameters
    return {
        "as_of": p.as_of.isoformat(),
        "parameters": {
            "window_days": p.window_days,
            "horizon_days": p.horizon_days,
            "min_exits": p.min_exits,
            "min_drop": p.min_drop,
        },
        "cliff_edges": [_edge_json(edge) for edge in result.cliff_edges],
        "cohort": {
            "by_month": [
                {"month": r.month, "edges": r.edges, "age_driven": r.age_driven, "unbridged": r.unbridged}
                for r in result.cohort.by_month
            ],
            "by_agency": [{"agency": r.agency, "month": r.month, "exits": r.exits} for r in result.cohort.by_agency],
        },
    }


def _edge_json(edge: CliffEdge) -> dict:
    plan = edge.plan
    return {
        "ref": edge.ref,
        "start": edge.start.isoformat(),
        "end": edge.end.isoformat(),
        "exits": [{"service_id": x.service_id, "date": x.date.isoformat(), "reason": x.reason} for x in edge.exits],
        "support_before": edge.support_before,
        "support_after": edge.support_after,
        "age_driven": edge.age_driven,
        "bridged": edge.bridged,
        "suggestions": [{"service_id": s.service_id, "reason": s.reason} for s in edge.suggestions],
        "plan": None
        if plan is None
        else {
            "resolved": plan.resolved,
            "changes": [
                {"service_id": ch.service_id, "from": ch.from_date.isoformat(), "to": ch.to_date.isoformat()}
                for ch in plan.changes
            ],
            "extension_days": plan.extension_days,
            "bridging_needed": plan.bridging_needed,
        },
    }
