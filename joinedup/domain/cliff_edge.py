"""The transitions engine (DESIGN section 6): cliff edges, bridging suggestions, exit plans, cohort view.

Python, numpy and (for the exit planner's search) numba; no Django. Three entry points, all giving
the same edges:

- :func:`forecast_arrays`: the cohort as columns (:class:`CohortArrays`, e.g. straight from a query
  or a CSV), with no per-involvement Python objects;
- :func:`forecast`: the same from dataclass records (a thin wrapper);
- :func:`forecast_person`: one young person's edges, what changing one involvement recomputes.

Build a :class:`ServiceIndex` once per directory and pass it to each. Detection is array operations
over the whole cohort; Python runs only for the edges found (exits, suggestions). Exit plans come
from one compiled call for all edges (:mod:`joinedup.domain.exit_planner`, numba, ADR 0014). The
plain per-person oracle lives in :mod:`joinedup.domain.cliff_edge_reference`; interpretations are
in ADR 0005.

Conventions: dates are whole days; an involvement is active on ``start <= t < end``; ends are
exclusive. Weights are resolved to whole millionths (``WEIGHT_SCALE``) so that sums are exact and
the fast and reference engines compare the same numbers.
"""

from __future__ import annotations

import datetime as dt
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
    planned = iter(_cohort_plans(services, r, found, params) if plans else ())
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
        plan = next(planned) if plans else None
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


def _cohort_plans(services: ServiceIndex, r: _Resolved, found: _Detected, params: Parameters) -> list[Plan]:
    """Every detected edge's plan, in detection order, from one compiled call."""
    if not len(found.person):
        return []
    columns = _PlanColumns(
        first=r.first,
        start=r.start,
        end=r.end,
        weight=r.weight,
        movable=~r.past_actual,
        max_extension=np.asarray(services.max_extension, dtype=np.int64)[r.service],
        rank=services.rank[r.service],
    )
    bridging = [
        bridging_needed(b, a, params.min_drop) for b, a in zip(found.before.tolist(), found.after.tolist(), strict=True)
    ]
    ids, service = services.ids, r.service
    return _plans(columns, found.person, found.start, found.end, bridging, params, lambda row: ids[service[row]])


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


def plan_exits(ctx: PersonContext, edge_start: int, edge_end: int, params: Parameters) -> Plan:
    """The exit plan for one edge (DESIGN section 6): exact for up to 8 flexible exits, else heuristic.

    Objective, smallest first: (an edge still overlaps the span, largest window drop in the span,
    total extension days, the extensions themselves in exit order). The last term only breaks ties,
    so the optimum is unique and any exact search finds the same plan as brute force. The search is
    :mod:`joinedup.domain.exit_planner` (compiled); this is the same call the whole-cohort forecast
    makes for every edge at once.
    """
    rows = len(ctx.starts)
    ranks = {sid: k for k, sid in enumerate(sorted(set(ctx.service_ids)))}
    columns = _PlanColumns(
        first=np.array([0, rows], dtype=np.int64),
        start=np.array(ctx.starts, dtype=np.int64),
        end=np.array(ctx.ends, dtype=np.int64),
        weight=np.array(ctx.weights, dtype=np.int64),
        movable=~np.array(ctx.past_actual, dtype=bool),
        max_extension=np.array(ctx.max_extension, dtype=np.int64),
        rank=np.array([ranks[sid] for sid in ctx.service_ids], dtype=np.int64),
    )
    one = np.zeros(1, dtype=np.int64)
    (plan,) = _plans(
        columns, one, one + edge_start, one + edge_end, np.array([_bridging(ctx, edge_start, edge_end, params)]), params,
        lambda row: ctx.service_ids[row],
    )  # fmt: skip
    return plan


@dataclass(frozen=True, slots=True, eq=False)
class _PlanColumns:
    """What the compiled planner reads: resolved rows grouped by person (``first`` offsets)."""

    first: np.ndarray
    start: np.ndarray
    end: np.ndarray
    weight: np.ndarray
    movable: np.ndarray  # not a past actual end
    max_extension: np.ndarray  # days the row's service allows
    rank: np.ndarray  # the service id's position in sorted order (exits are listed by it)


def _plans(columns: _PlanColumns, person, start, end, bridging, params: Parameters, service_of) -> list[Plan]:
    """Plans for the edges (person, start, end arrays) in one compiled call, as ``Plan`` objects.

    ``bridging`` is each edge's bridging need, used when its plan leaves an edge; ``service_of``
    names the service of a row.
    """
    from joinedup.domain import exit_planner  # numba is loaded only by what plans

    as_of = params.as_of.toordinal()
    window = np.array([as_of, as_of + params.horizon_days, params.window_days, params.min_exits], dtype=np.int64)
    still, _worst, total, exact, count, offsets, rows, exts, _nodes = exit_planner.plan_edges(
        columns.first, columns.start, columns.end, columns.weight, columns.movable, columns.max_extension,
        columns.rank, person, start, end, window, float(params.min_drop),
    )  # fmt: skip
    plans = []
    row_end = columns.end
    fromordinal = dt.date.fromordinal
    for k, (left, days, proven, o, n) in enumerate(
        zip(still.tolist(), total.tolist(), exact.tolist(), offsets.tolist(), count.tolist(), strict=False)
    ):
        changes = []
        for row, ext in zip(rows[o : o + n].tolist(), exts[o : o + n].tolist(), strict=True):
            if ext:
                old = int(row_end[row])
                changes.append(Change(service_of(row), fromordinal(old), fromordinal(old + ext)))
        plans.append(Plan(not left, tuple(changes), days, float(bridging[k]) if left else 0.0, proven))
    return plans


def _bridging(ctx: PersonContext, edge_start: int, edge_end: int, params: Parameters) -> float:
    before = sum(w for s, e, w in zip(ctx.starts, ctx.ends, ctx.weights, strict=True) if s <= edge_start - 1 < e)
    after = sum(w for s, e, w in zip(ctx.starts, ctx.ends, ctx.weights, strict=True) if s <= edge_end - 1 < e)
    return bridging_needed(before, after, params.min_drop)


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
