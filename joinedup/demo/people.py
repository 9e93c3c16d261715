"""Harbourside's young people: made-up histories with the cliff edges the product exists to show.

**The generator** (``generate``) is plain Python: from a seed and an as-of date it writes each
young person's story as data — reference, initials, birth month, gender, area, needs, lead
agency and contact, agency case numbers, and involvements with the demo's services. Every
involvement respects its service's age range on its start date (the rule ``Involvement.clean``
checks), never overlaps another with the same service, and starts no later than the as-of date
except for agreed handovers that start on an 18th birthday.

Stories follow how young people come to the partnership's attention: exploitation, children in
care, mental health, offending, special educational needs and disabilities (SEND), and family
support. Ages run from 10 to 19, weighted towards 16 and 17, so that about a fifth turn 18 in
the coming year. For each of those, one of four transitions is chosen:

- **cliff**: two to five children's services end on the 18th birthday and nothing adult
  follows: the unbridged cliff edge.
- **bridged**: the same children's services end, but an all-age service (leaving care
  personal adviser, the young adults' mental health team, preparing for adulthood, Steps
  mentoring ...) started before 18 carries on.
- **staggered**: the endings have been spread out: one service ends before 18 by plan, one
  at 18, and the exploitation service uses its six months' extension.
- **handover**: adult services (adult mental health, probation, adult drug and alcohol
  support, Safe Harbour's young adults' service) are booked to start on the 18th birthday.

Everyone has a **lead agency with a demo practitioner** (children's social care, the police,
Safe Harbour, Harbourside Academy, CAMHS, youth justice or leaving care), who is their lead
contact, so each demo practitioner sees a real caseload: every young person their agency leads,
holds a case number for, or has worked with. The exploitation coordinator's partnership holds
``MACE-`` case numbers for young people discussed at the MACE panel, so the demo coordinator sees
those. About three in ten have a (made-up) full name, stored encrypted; some have their own
words recorded (voice entries), some a sharing decision; a dozen have an agreed transition plan
(the engine's exit plan and bridging suggestions, agreed by their lead practitioner).

Everything random comes from ``random.Random`` seeded with the demo's seed, so one seed and one
as-of date (today unless ``--as-of`` is given) always give the same young people; references
depend on the seed alone.

**Two ways in** (ADR 0013). ``build_young_people`` (the default ~600) writes each young person,
involvement, case number, voice entry, sharing decision and transition plan through the people
services, each audited, then stores the forecast once with ``forecasting.cohort_refresh``
(inside ``forecasting.refresh_deferred()``, so no involvement recomputes it on its own).
``bulk_load`` (for benchmarks: ``joinedup demo --young-people 100000``) writes the same stories
with ``bulk_create`` in batches, without per-row audit events, and records one summary audit
event for the load.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.db import transaction
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.domain import cliff_edge as engine
from joinedup.people import forecasting
from joinedup.people import services as people_services
from joinedup.people.models import (
    REF_ALPHABET,
    AgencyReference,
    BreakGlassAccess,
    BridgingReferral,
    Gender,
    Involvement,
    LawfulBasis,
    PlannedEnd,
    SharingDecision,
    StoredEdge,
    StoredExit,
    TransitionPlan,
    VoiceEntry,
    YoungPerson,
)
from joinedup.platform.audit import audit_record
from joinedup.platform.encryption import encrypt_text

from .harbourside import AGENCIES, SERVICES, DemoContext

# The largest number of young people written one by one through the audited services; more
# than that goes through ``bulk_load``.
AUDITED_LIMIT = 1000
ACTOR_LABEL = "joinedup demo"

AREAS = (
    "Eastbank",
    "Old Harbour",
    "Quayside",
    "Northgate",
    "Saltmarsh",
    "Westcliff",
    "Fairhaven",
    "Dockside",
)
AREA_WEIGHTS = (22, 14, 12, 14, 10, 9, 8, 11)  # Eastbank is the estate with the most need

# Age on the as-of date: weighted towards 16 and 17 (exploitation peaks in the mid-teens).
AGE_WEIGHTS = {10: 3, 11: 4, 12: 6, 13: 8, 14: 11, 15: 13, 16: 14, 17: 21, 18: 12, 19: 8}

GENDERS = (
    (Gender.MALE, 47),
    (Gender.FEMALE, 46),
    (Gender.NON_BINARY, 3),
    (Gender.NOT_KNOWN, 4),
)

FIRST_NAMES = (
    "Aaliyah", "Aiden", "Amara", "Bailey", "Callum", "Chantelle", "Connor", "Darius", "Demi", "Eden",
    "Ethan", "Faith", "Harvey", "Imani", "Jayden", "Kacey", "Kai", "Keira", "Leon", "Liam", "Maddison",
    "Malik", "Mia", "Nathan", "Nia", "Oakley", "Paige", "Reece", "Riley", "Ruby", "Skye", "Tayo",
    "Tyler", "Wiktoria", "Zac", "Zainab",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Bello", "Brennan", "Clarke", "Dunn", "Ellis", "Farah", "Gallagher", "Hale", "Hussain",
    "Jackson", "Kaur", "Lowe", "Marsh", "Nolan", "Okafor", "Price", "Rahman", "Stone", "Turner", "Vaughan",
    "Wood", "Yilmaz", "Zielinski",
)  # fmt: skip

# The demo practitioner of each agency that leads young people's plans.
LEAD_USERS = {
    "harbourside-csc": "practitioner",
    "harbourside-police": "police-officer",
    "safe-harbour": "youth-worker",
    "harbourside-academy": "school-lead",
    "harbourside-camhs": "nurse",
    "harbourside-yjs": "yjs-officer",
    "harbourside-leaving-care": "personal-adviser",
}
COORDINATOR = "coordinator"
SCP = "harbourside-scp"

# Case-number formats per agency (made up). Numbers are unique per agency by construction.
CASE_PREFIX = {
    "harbourside-csc": "CSC-",
    "harbourside-police": "HP-",
    "safe-harbour": "SH-",
    "harbourside-academy": "HA-",
    "st-brendans": "SB-",
    "harbourside-camhs": "CAMHS-",
    "harbourside-yjs": "YJ-",
    "harbourside-leaving-care": "LC-",
    "harbourside-college": "HC-",
    "harbourside-nhs": "NHS-",
    "turning-tide": "TT-",
    "harbourside-foyer": "FY-",
    "harbourside-housing": "HO-",
    "harbourside-adult-mental-health": "AMH-",
    "harbourside-asc": "ASC-",
    "harbourside-probation": "NPS-",
}

SERVICE = {spec.code: spec for spec in SERVICES}
_ADULT_AUDIENCES = {"adult", "all_age"}
FAR = dt.date(9999, 1, 1)


# --- What the generator writes ------------------------------------------------------------


@dataclass(frozen=True)
class InvolvementSpec:
    service: str
    start: dt.date
    planned_end: dt.date | None = None
    actual_end: dt.date | None = None
    weight: Decimal | None = None

    @property
    def recorded_end(self) -> dt.date | None:
        return self.actual_end or self.planned_end


@dataclass(frozen=True)
class VoiceSpec:
    recorded_on: dt.date
    by: str  # the demo user's email local part
    working_well: str
    worries: str
    wants: str
    scale: int | None


@dataclass(frozen=True)
class SharingSpec:
    decided_on: dt.date
    by: str
    shared: bool
    what: str
    with_whom: tuple[str, ...]  # agency codes
    why: str
    lawful_basis: str


@dataclass
class PersonSpec:
    index: int
    ref: str
    initials: str
    birth_month: str
    gender: str
    area: str
    story: str
    transition: str  # "cliff", "bridged", "staggered", "handover", or "" when not turning 18 soon
    needs: tuple[str, ...]
    lead_agency: str
    lead_user: str  # email local part of the demo user who leads
    name: str = ""  # a made-up full name, when one is recorded (encrypted at rest)
    references: list[tuple[str, str]] = field(default_factory=list)  # (agency code, case number)
    involvements: list[InvolvementSpec] = field(default_factory=list)
    voice: list[VoiceSpec] = field(default_factory=list)
    sharing: list[SharingSpec] = field(default_factory=list)

    @property
    def turns_18(self) -> dt.date:
        year, month = (int(part) for part in self.birth_month.split("-"))
        return dt.date(year + 18, month, 1)


# --- Small helpers ----------------------------------------------------------------------------


def _month(index: int) -> dt.date:
    """The 1st of the month ``index`` months after year 0 (index = year * 12 + month - 1)."""
    return dt.date(index // 12, index % 12 + 1, 1)


def _weighted(rng: random.Random, options: tuple, cumulative: list[int]) -> Any:
    return options[bisect.bisect_right(cumulative, rng.randrange(cumulative[-1]))]


def _days(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


def ref_maker(seed: int) -> Callable[[int], str]:
    """A function from index to a unique reference ``YP-XXXXX``, scrambled by the seed.

    ``(a * i + b) mod 32**5`` with odd ``a`` is a bijection, so references never collide
    (for up to 33 million young people) and need no look-ups to check."""
    rng = random.Random(f"harbourside-refs:{seed}")
    size = len(REF_ALPHABET) ** 5
    a = rng.randrange(size // 4, size) | 1
    b = rng.randrange(size)

    def make(index: int) -> str:
        value = (a * index + b) % size
        chars = []
        for _ in range(5):
            value, digit = divmod(value, len(REF_ALPHABET))
            chars.append(REF_ALPHABET[digit])
        return "YP-" + "".join(chars)

    return make


def case_number(agency: str, index: int) -> str:
    """An agency's made-up case number for the young person at ``index``: unique per agency."""
    salt = sum(map(ord, agency)) * 37
    return f"{CASE_PREFIX.get(agency, 'REF-')}{(index * 7919 + salt) % 9_000_000 + 1_000_000}"


# --- One young person's history -----------------------------------------------------------


class _History:
    """Involvements for one young person, each checked as it is added."""

    def __init__(self, rng: random.Random, birth_index: int, as_of: dt.date) -> None:
        self.rng = rng
        self.birth_index = birth_index
        self.born = _month(birth_index)
        self.as_of = as_of
        self.rows: list[InvolvementSpec] = []

    def age_day(self, years: float) -> dt.date:
        return _month(self.birth_index + round(years * 12))

    def age_on(self, day: dt.date) -> int:
        return day.year - self.born.year - (1 if day.month < self.born.month else 0)

    def limit(self, code: str) -> dt.date | None:
        ends = SERVICE[code].ends_at_age
        return None if ends is None else self.age_day(ends)

    def window(self, code: str) -> tuple[dt.date, dt.date]:
        """The first and last day an involvement with ``code`` may start (its age range)."""
        spec = SERVICE[code]
        low = self.age_day(spec.min_age) if spec.min_age is not None else self.born
        high = self.age_day(spec.max_age + 1) - dt.timedelta(days=1) if spec.max_age is not None else FAR
        return max(low, self.born), high

    def has(self, code: str) -> bool:
        return any(row.service == code for row in self.rows)

    def effective_end(self, row: InvolvementSpec) -> dt.date | None:
        return row.actual_end or row.planned_end or self.limit(row.service)

    def fits(self, row: InvolvementSpec) -> bool:
        low, high = self.window(row.service)
        if not low <= row.start <= high:
            return False
        for end in (row.planned_end, row.actual_end):
            if end is not None and end < row.start:
                return False
        mine = row.recorded_end
        for other in self.rows:
            if other.service != row.service:
                continue
            other_end = self.effective_end(other)
            if (other_end is None or row.start < other_end) and (mine is None or mine > other.start):
                return False
        return True

    def add(self, row: InvolvementSpec) -> bool:
        if self.fits(row):
            self.rows.append(row)
            return True
        return False

    def weight(self) -> Decimal | None:
        """Most involvements use the service's weight; a few are more or less intensive."""
        roll = self.rng.random()
        if roll < 0.05:
            return Decimal("2")
        if roll < 0.1:
            return Decimal("0.5")
        return None

    def place(
        self,
        code: str,
        from_age: float,
        to_age: float,
        days: tuple[int, int] | None = None,
        *,
        close_chance: float = 0.0,
    ) -> InvolvementSpec | None:
        """One involvement starting between two ages, inside the service's age range, by the as-of date.

        ``days``: a time-limited piece of work of that length (closed if it ended by the as-of
        date, planned to end otherwise). None: it runs to the service's age limit (recorded as
        ended there when that is past), unless it closed early (``close_chance``)."""
        low, high = self.window(code)
        low = max(low, self.age_day(from_age))
        high = min(high, self.age_day(to_age), self.as_of - dt.timedelta(days=1))
        if low > high:
            return None
        start = low + dt.timedelta(days=self.rng.randint(0, (high - low).days))
        limit = self.limit(code)
        planned = actual = None
        if days is not None:
            end = start + _days(self.rng, *days)
            if limit is not None and end >= limit:
                end = None  # the age limit comes first
            if end is not None:
                if end <= self.as_of:
                    actual = end
                else:
                    planned = end
        elif close_chance and self.rng.random() < close_chance:
            end = start + _days(self.rng, 120, 720)
            if end < self.as_of and (limit is None or end < limit):
                actual = end
        if actual is None and planned is None and limit is not None and limit <= self.as_of:
            actual = limit  # it ended at the age limit, and the worker recorded it
        row = InvolvementSpec(code, start, planned, actual, self.weight())
        return row if self.add(row) else None

    def episodes(self, code: str, count: int, from_age: float, length: tuple[int, int]) -> None:
        """Short repeated pieces of work (MASH contacts, return home interviews), one after another."""
        day = max(self.age_day(from_age), self.window(code)[0])
        for _ in range(count):
            start_high = min(self.as_of - dt.timedelta(days=length[1] + 1), self.window(code)[1])
            if day > start_high:
                return
            span = (start_high - day).days
            start = day + dt.timedelta(days=self.rng.randint(0, min(span, 400)))
            end = start + _days(self.rng, *length)
            self.add(InvolvementSpec(code, start, None, end, None))
            day = end + dt.timedelta(days=30)

    def current_at(self, code: str) -> InvolvementSpec | None:
        for row in self.rows:
            end = self.effective_end(row)
            if row.service == code and row.start <= self.as_of and (end is None or end > self.as_of):
                return row
        return None

    def replace(self, old: InvolvementSpec, new: InvolvementSpec) -> bool:
        self.rows.remove(old)
        if self.add(new):
            return True
        self.rows.append(old)
        return False


# --- Stories -----------------------------------------------------------------------------------

STORIES = ("exploitation", "care", "mental-health", "offending", "send", "family")
STORY_WEIGHTS = (30, 14, 20, 12, 10, 14)

STORY_NEEDS: dict[str, tuple[tuple[str, float], ...]] = {
    "exploitation": (
        ("exploitation", 1),
        ("missing", 0.6),
        ("substance-misuse", 0.4),
        ("offending", 0.35),
        ("mental-health", 0.45),
        ("education", 0.3),
        ("physical-health", 0.15),
    ),
    "care": (
        ("care-leaver", 1),
        ("mental-health", 0.45),
        ("housing", 0.4),
        ("education", 0.35),
        ("exploitation", 0.2),
        ("missing", 0.15),
    ),
    "mental-health": (
        ("mental-health", 1),
        ("education", 0.4),
        ("family-support", 0.3),
        ("physical-health", 0.2),
        ("substance-misuse", 0.1),
    ),
    "offending": (
        ("offending", 1),
        ("exploitation", 0.4),
        ("substance-misuse", 0.4),
        ("education", 0.35),
        ("mental-health", 0.3),
    ),
    "send": (("send", 1), ("education", 0.8), ("mental-health", 0.3), ("family-support", 0.4)),
    "family": (
        ("family-support", 1),
        ("domestic-abuse", 0.4),
        ("education", 0.35),
        ("housing", 0.15),
        ("physical-health", 0.2),
        ("mental-health", 0.2),
    ),
}

# Who leads, in order of preference, among the agencies involved.
LEAD_ORDER = {
    "exploitation": ("safe-harbour", "harbourside-csc", "harbourside-police", "harbourside-yjs"),
    "care": ("harbourside-leaving-care", "harbourside-csc", "harbourside-camhs"),
    "mental-health": ("harbourside-camhs", "harbourside-academy", "harbourside-csc"),
    "offending": ("harbourside-yjs", "harbourside-police", "harbourside-csc"),
    "send": ("harbourside-academy", "harbourside-csc", "harbourside-camhs"),
    "family": ("harbourside-csc", "harbourside-academy", "harbourside-camhs"),
}

# Children's services a young person's story keeps open to 18 (used to make a cluster).
CLUSTER_FILL = {
    "exploitation": ("safe-harbour-exploitation", "csc-exploitation-team", "police-exploitation-missing"),
    "care": ("csc-social-work", "nhs-children-in-care-nursing", "camhs-community"),
    "mental-health": ("camhs-community", "csc-early-help", "camhs-crisis"),
    "offending": ("yjs-court-orders", "turning-tide-young-people", "csc-exploitation-team"),
    "send": ("csc-early-help", "camhs-community", "csc-social-work"),
    "family": ("csc-social-work", "csc-early-help", "camhs-community"),
}

# All-age services that carry a young person across 18, by story (the first that fits is used).
BRIDGES = {
    "exploitation": ("amh-young-adults", "csp-steps-mentoring", "nhs-harbour-clinic"),
    "care": ("leaving-care-personal-adviser", "amh-young-adults", "foyer-supported-accommodation"),
    "mental-health": ("amh-young-adults", "asc-preparing-for-adulthood"),
    "offending": ("csp-steps-mentoring", "amh-young-adults"),
    "send": ("asc-preparing-for-adulthood", "youth-work-send", "college-high-needs"),
    "family": ("foyer-youth-advice", "amh-young-adults", "csp-steps-mentoring"),
}

# The adult service a children's service hands over to at 18.
HANDOVERS = {
    "camhs-community": ("amh-community", "amh-talking-therapies"),
    "camhs-crisis": ("amh-community",),
    "yjs-court-orders": ("probation-supervision",),
    "turning-tide-young-people": ("turning-tide-adults",),
    "safe-harbour-exploitation": ("safe-harbour-young-adults",),
    "csc-exploitation-team": ("safe-harbour-young-adults", "asc-safeguarding"),
    "csc-social-work": ("asc-care-and-support",),
}

TRANSITIONS = ("cliff", "bridged", "staggered", "handover")
TRANSITION_WEIGHTS = (40, 25, 20, 15)


def _schools(h: _History, needs: set[str], pastoral_chance: float = 0.8) -> None:
    """Childhood and school: the MASH, early help, school, school nursing, youth work."""
    rng = h.rng
    h.episodes("csc-mash", rng.randint(0, 2), 3, (3, 20))
    if rng.random() < 0.55:
        h.place("csc-early-help", 4, 10.5, (90, 300))
    if rng.random() < 0.12:
        h.place("eastbank-drop-in", 8, 15, (60, 400))
    school = rng.choice(("academy", "st-brendans"))
    if rng.random() < pastoral_chance:
        h.place(f"{school}-pastoral" if school == "st-brendans" else "academy-pastoral", 11, 14.5, close_chance=0.15)
    if "send" in needs and school == "academy":
        h.place("academy-inclusion", 11, 13)
    if rng.random() < 0.6:
        h.place("nhs-school-nursing", 9, 16, (60, 500))
    if rng.random() < 0.5:
        h.place("youth-work", 11, 16, close_chance=0.4)
    if rng.random() < 0.3:
        h.place("nhs-school-nursing", 12, 17, (30, 300))
    if rng.random() < 0.25:
        h.place("camhs-mhst", 11, 16, (60, 120))
    if rng.random() < 0.15:
        h.place("nhs-harbour-clinic", 14, 17.5, (30, 200))
    if rng.random() < 0.55:
        sixth = (
            "st-brendans-sixth-form" if school == "st-brendans" and rng.random() < 0.5 else "college-student-support"
        )
        h.place(sixth, 16, 16.2, close_chance=0.15)


def _story_exploitation(h: _History, needs: set[str]) -> None:
    r = h.rng.random
    _schools(h, needs, 0.75)
    h.episodes("csc-mash", h.rng.randint(0, 2), 10, (3, 20))
    if r() < 0.35:
        h.place("youth-work", 12, 16.5, close_chance=0.3)
    if "missing" in needs:
        h.episodes("safe-harbour-return-home", h.rng.randint(2, 6), 12, (2, 10))
    if r() < 0.3:
        h.place("police-neighbourhood", 11, 16, (90, 365))
    if r() < 0.75:
        h.place("police-exploitation-missing", 12.5, 16.8, close_chance=0.3)
    if r() < 0.6:
        h.place("csc-exploitation-team", 12.5, 16.8, close_chance=0.25)
    if r() < 0.7:
        h.place("safe-harbour-exploitation", 12, 16.9, close_chance=0.15)
    if "substance-misuse" in needs and r() < 0.75:
        h.place("turning-tide-young-people", 13, 16.9, close_chance=0.3)
    if "offending" in needs and r() < 0.6:
        h.place("yjs-turnaround", 12, 16.5, (120, 365))
    if "mental-health" in needs and r() < 0.65:
        h.place("camhs-community", 12, 16.9, close_chance=0.3)
    if r() < 0.3:
        h.place("csc-social-work", 12, 16.5, close_chance=0.3)
    if r() < 0.2:
        h.place("nhs-ed-youth-navigators", 13, 17.5, (30, 84))
    if "physical-health" in needs or r() < 0.15:
        h.place("nhs-harbour-clinic", 13, 17.5, (30, 240))
    if h.age_on(h.as_of) >= 18:
        if r() < 0.5:
            h.place("safe-harbour-young-adults", 18, 18.5, close_chance=0.2)
        if "substance-misuse" in needs and r() < 0.4:
            h.place("turning-tide-adults", 18, 18.7, close_chance=0.2)


def _story_care(h: _History, needs: set[str]) -> None:
    r = h.rng.random
    _schools(h, needs, 0.7)
    h.episodes("csc-mash", h.rng.randint(1, 2), 4, (3, 20))
    social = h.place("csc-social-work", 6, 14)
    if social is not None:
        h.place("nhs-children-in-care-nursing", 6, 14.5)
    h.place("leaving-care-personal-adviser", 16, 16.5)
    if "mental-health" in needs and r() < 0.6:
        h.place("camhs-community", 10, 16.8, close_chance=0.3)
    if "missing" in needs:
        h.episodes("safe-harbour-return-home", h.rng.randint(1, 3), 11, (2, 10))
    if "housing" in needs and r() < 0.5:
        h.place("foyer-supported-accommodation", 16.5, 19, close_chance=0.3)
    if "housing" in needs and r() < 0.4:
        h.place("housing-options", 16.5, 19, (30, 150))
    if r() < 0.4:
        h.place("csc-early-help", 3, 8, (90, 300))
    if r() < 0.35:
        h.place("camhs-mhst", 11, 15, (60, 120))
    if h.age_on(h.as_of) >= 18 and r() < 0.4:
        h.place("leaving-care-staying-put", 18, 18.1)


def _story_mental_health(h: _History, needs: set[str]) -> None:
    r = h.rng.random
    _schools(h, needs, 0.85)
    if r() < 0.55:
        h.place("camhs-mhst", 11, 15, (60, 120))
    if r() < 0.85:
        h.place("camhs-community", 12, 16.9, close_chance=0.25)
    if r() < 0.35:
        h.place("camhs-crisis", 13, 17.5, (14, 56))
    if r() < 0.3:
        h.place("camhs-crisis", 14, 17.8, (14, 42))
    if r() < 0.35:
        h.place("nhs-school-nursing", 13, 17.5, (30, 200))
    if r() < 0.3:
        h.episodes("csc-mash", 1, 12, (3, 15))
    if "family-support" in needs and r() < 0.6:
        h.place("csc-early-help", 10, 15, (90, 270))
    if "physical-health" in needs:
        h.place("nhs-harbour-clinic", 14, 17.5, (30, 240))
    if h.age_on(h.as_of) >= 18:
        if r() < 0.35:
            h.place("amh-talking-therapies", 18, 18.8, (84, 150))
        if r() < 0.25:
            h.place("amh-community", 18, 18.8)


def _story_offending(h: _History, needs: set[str]) -> None:
    r = h.rng.random
    _schools(h, needs, 0.75)
    h.episodes("csc-mash", h.rng.randint(0, 2), 10, (3, 20))
    if r() < 0.6:
        h.place("yjs-turnaround", 11, 15, (120, 365))
    if r() < 0.75:
        h.place("yjs-court-orders", 13, 16.9, close_chance=0.2)
    if r() < 0.4:
        h.place("police-neighbourhood", 11, 17, (90, 365))
    if r() < 0.35:
        h.place("csp-steps-mentoring", 13, 17, (180, 540))
    if r() < 0.5:
        h.place("yjs-court-orders", 12, 14.5, (180, 365))
    if "substance-misuse" in needs and r() < 0.65:
        h.place("turning-tide-young-people", 13, 16.9, close_chance=0.3)
    if "mental-health" in needs or r() < 0.2:
        h.place("camhs-community", 12, 16.9, close_chance=0.3)
    if "exploitation" in needs and r() < 0.5:
        h.place("csc-exploitation-team", 13, 16.9, close_chance=0.25)
    if r() < 0.2:
        h.place("nhs-ed-youth-navigators", 14, 17.5, (30, 84))
    if h.age_on(h.as_of) >= 18 and r() < 0.5:
        h.place("probation-supervision", 18, 18.6, (180, 730))


def _story_send(h: _History, needs: set[str]) -> None:
    r = h.rng.random
    school = h.place("academy-inclusion", 11, 12)
    if school is None or r() < 0.5:
        h.place("academy-pastoral", 11, 12.5)
    if r() < 0.5:
        h.place("nhs-school-nursing", 9, 15, (60, 500))
    if r() < 0.5:
        h.episodes("csc-mash", h.rng.randint(1, 2), 4, (3, 20))
    if r() < 0.5:
        h.place("csc-early-help", 5, 10, (90, 270))
    if r() < 0.45:
        h.place("csc-early-help", 10.5, 15, (90, 270))
    if r() < 0.3:
        h.place("camhs-mhst", 11, 15, (60, 120))
    if r() < 0.5:
        h.place("youth-work-send", 11, 16)
    elif r() < 0.5:
        h.place("youth-work", 11, 16, close_chance=0.4)
    if r() < 0.45:
        h.place("asc-preparing-for-adulthood", 14, 16.5)
    if r() < 0.5:
        h.place("college-high-needs", 16, 16.2)
    if "mental-health" in needs and r() < 0.6:
        h.place("camhs-community", 11, 16.5, close_chance=0.3)
    if h.age_on(h.as_of) >= 18 and r() < 0.35:
        h.place("asc-care-and-support", 18, 18.5)


def _story_family(h: _History, needs: set[str]) -> None:
    r = h.rng.random
    _schools(h, needs, 0.8)
    h.episodes("csc-mash", h.rng.randint(1, 2), 6, (3, 20))
    if r() < 0.85:
        h.place("csc-early-help", 8, 13, (90, 270))
    if r() < 0.4:
        h.place("csc-early-help", 13.5, 16.5, (90, 270))
    if r() < 0.35:
        h.place("csc-social-work", 9, 16, (180, 900))
    if r() < 0.35:
        h.place("camhs-mhst", 11, 15.5, (60, 120))
    if "domestic-abuse" in needs:
        h.episodes("csc-mash", h.rng.randint(1, 3), 6, (3, 15))
    if "mental-health" in needs:
        h.place("camhs-community", 11, 16.8, close_chance=0.3)
    if r() < 0.3:
        h.place("eastbank-drop-in", 10, 17, (60, 365))
    if "housing" in needs and r() < 0.6:
        h.place("foyer-youth-advice", 16, 18.5, (30, 150))


STORY_BUILDERS: dict[str, Callable[[_History, set[str]], None]] = {
    "exploitation": _story_exploitation,
    "care": _story_care,
    "mental-health": _story_mental_health,
    "offending": _story_offending,
    "send": _story_send,
    "family": _story_family,
}


# --- Transitions at 18 -----------------------------------------------------------------------


def _at_18(h: _History, turns_18: dt.date) -> list[InvolvementSpec]:
    """Current children's services that end on the 18th birthday by their age limit."""
    return [
        row for row in h.rows if row.start <= h.as_of and row.recorded_end is None and h.limit(row.service) == turns_18
    ]


def _fill_cluster(h: _History, story: str, turns_18: dt.date) -> None:
    """Make sure at least two children's services are open to the 18th birthday."""
    for code in CLUSTER_FILL[story]:
        if len(_at_18(h, turns_18)) >= 2:
            return
        if SERVICE[code].ends_at_age == 18 and h.current_at(code) is None:
            h.place(code, h.age_on(h.as_of) - 1.5, 18)


def _close_bridges(h: _History, turns_18: dt.date) -> None:
    """For the unbridged: any adult or all-age service running past 18 closed before the as-of date."""
    for row in list(h.rows):
        if SERVICE[row.service].audience not in _ADULT_AUDIENCES:
            continue
        end = h.effective_end(row)
        if end is not None and end <= turns_18:
            continue
        h.rows.remove(row)
        latest = h.as_of - dt.timedelta(days=14)
        if (latest - row.start).days > 30:
            closed = row.start + dt.timedelta(days=h.rng.randint(30, (latest - row.start).days))
            h.add(InvolvementSpec(row.service, row.start, None, closed, row.weight))


def _bridge(h: _History, story: str, turns_18: dt.date) -> None:
    for code in BRIDGES[story]:
        if h.current_at(code) is not None:
            return
    for code in BRIDGES[story]:
        if h.place(code, h.age_on(h.as_of) - 1, 18) is not None:
            return


def _stagger(h: _History, turns_18: dt.date) -> None:
    """Spread the endings: one earlier by plan, one at 18, one extended where the service allows."""
    cluster = sorted(_at_18(h, turns_18), key=lambda row: (SERVICE[row.service].max_extension_days, row.service))
    if len(cluster) < 2:
        return
    keep = cluster.pop()  # the one with the most room to extend, or the last by code
    extension = SERVICE[keep.service].max_extension_days
    if extension:
        h.replace(
            keep, InvolvementSpec(keep.service, keep.start, turns_18 + dt.timedelta(days=extension), None, keep.weight)
        )
    else:
        cluster.append(keep)
        cluster.sort(key=lambda row: row.service)
        cluster.pop()  # this one stays at the age limit
    for step, row in enumerate(cluster, start=1):
        end = turns_18 - dt.timedelta(days=100 * step + h.rng.randint(0, 40))
        if end <= row.start:
            end = row.start + dt.timedelta(days=1)
        if end <= h.as_of:
            new = InvolvementSpec(row.service, row.start, None, end, row.weight)
        else:
            new = InvolvementSpec(row.service, row.start, end, None, row.weight)
        h.replace(row, new)


def _handover(h: _History, turns_18: dt.date) -> None:
    for row in _at_18(h, turns_18):
        options = HANDOVERS.get(row.service)
        if not options or h.rng.random() > 0.8:
            continue
        code = h.rng.choice(options)
        if not h.has(code):
            h.add(InvolvementSpec(code, turns_18, None, None, None))


# --- Voice and sharing -------------------------------------------------------------------------

WORKING_WELL = (
    "Going to boxing at the community hub twice a week",
    "My worker listens and doesn't judge me",
    "Getting on better with my mum",
    "I've been going to college most days",
    "Cooking for myself at the flat",
    "Seeing my little brother every weekend",
    "My foster carer helps me with forms",
    "I passed my maths resit",
    "Having a plan for when I feel bad",
    "Football on Saturdays with my mates",
    "Staying away from the park after dark",
    "Working at the café on Fridays",
)
WORRIES = (
    "What happens when I turn 18 and everyone stops",
    "Money and paying the bills",
    "People I used to hang around with messaging me",
    "Starting again with a new worker",
    "Not having anywhere to live after the summer",
    "My anxiety when I have to go somewhere new",
    "Being moved to another area",
    "Court coming up",
    "My mum's health",
    "Getting kicked off my course",
)
WANTS = (
    "Keep the same worker until I'm settled",
    "Help finding a job",
    "My own flat near my nan",
    "To finish my course and do an apprenticeship",
    "Someone to talk to when it gets bad at night",
    "To learn to drive",
    "Not to have to tell my story again to new people",
    "To stay with my carers after 18",
    "Go to the gym and get fit",
    "To be left alone by the police",
)

SHARING_REASONS = (
    (
        True,
        "Missing episodes and the places they were found",
        "A pattern of going missing to the same address suggests criminal exploitation; the MACE panel needs "
        "it to plan disruption.",
        LawfulBasis.SAFEGUARDING,
    ),
    (
        True,
        "Current risks and the safety plan",
        "The young person is moving to adult services at 18 and the new team needs to know the risks to keep "
        "them safe.",
        LawfulBasis.PUBLIC_TASK,
    ),
    (
        True,
        "Attendance and the support plan at college",
        "The young person asked us to share it so they do not have to explain everything again.",
        LawfulBasis.CONSENT,
    ),
    (
        True,
        "The outcome of the strategy discussion",
        "Partners at the strategy discussion need the outcome to carry out the agreed actions.",
        LawfulBasis.LEGAL_OBLIGATION,
    ),
    (
        False,
        "Details of a sexual health appointment",
        "The young person asked us not to tell school. There is no safeguarding reason to override their "
        "wishes, so nothing was shared.",
        LawfulBasis.NOT_APPLICABLE,
    ),
    (
        False,
        "Their mother's mental health history",
        "Not necessary or proportionate for the referral: the referral can be made without it.",
        LawfulBasis.NOT_APPLICABLE,
    ),
)


# --- The generator -------------------------------------------------------------------------------


def _cumulative(weights) -> list[int]:
    return list(accumulate(weights))


_AGE_OPTIONS = tuple(AGE_WEIGHTS)
_AGE_CUM = _cumulative(AGE_WEIGHTS.values())
_STORY_CUM = _cumulative(STORY_WEIGHTS)
_AREA_CUM = _cumulative(AREA_WEIGHTS)
_GENDER_OPTIONS = tuple(g for g, _ in GENDERS)
_GENDER_CUM = _cumulative(w for _, w in GENDERS)
_TRANSITION_CUM = _cumulative(TRANSITION_WEIGHTS)


def person_rng(seed: int) -> random.Random:
    return random.Random(f"harbourside-people:{seed}")


def generate(seed: int, as_of: dt.date, count: int) -> Iterator[PersonSpec]:
    """``count`` young people's stories, one after another (a generator: large cohorts stream)."""
    rng = person_rng(seed)
    make_ref = ref_maker(seed)
    as_of_index = as_of.year * 12 + as_of.month - 1
    for index in range(count):
        yield _one(rng, index, make_ref(index), as_of, as_of_index)


def _one(rng: random.Random, index: int, ref: str, as_of: dt.date, as_of_index: int) -> PersonSpec:
    age = _weighted(rng, _AGE_OPTIONS, _AGE_CUM)
    birth_index = as_of_index - 12 * age - rng.randrange(12)
    story = _weighted(rng, STORIES, _STORY_CUM)
    needs = {slug for slug, chance in STORY_NEEDS[story] if chance >= 1 or rng.random() < chance}
    h = _History(rng, birth_index, as_of)
    STORY_BUILDERS[story](h, needs)

    turns_18 = h.age_day(18)
    transition = ""
    if as_of < turns_18 <= as_of + dt.timedelta(days=366):
        transition = _weighted(rng, TRANSITIONS, _TRANSITION_CUM)
        if transition != "staggered" or rng.random() < 0.7:
            _fill_cluster(h, story, turns_18)
        if transition == "cliff":
            _close_bridges(h, turns_18)
        elif transition == "bridged":
            _bridge(h, story, turns_18)
        elif transition == "staggered":
            _stagger(h, turns_18)
        else:
            _handover(h, turns_18)

    involved = []
    for row in h.rows:
        agency = SERVICE[row.service].agency
        if agency not in involved:
            involved.append(agency)
    lead = next((code for code in LEAD_ORDER[story] if code in involved), None)
    if lead is None:
        lead = next((code for code in involved if code in LEAD_USERS), None)
    if lead is None:
        # Nobody with a demo practitioner is involved yet: the MASH saw them once.
        h.episodes("csc-mash", 1, max(0, age - 2), (3, 15))
        lead = "harbourside-csc"
        if lead not in involved:
            involved.append(lead)

    gender = _weighted(rng, _GENDER_OPTIONS, _GENDER_CUM)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    name = f"{first} {last}" if rng.random() < 0.3 else ""
    initials = (
        (first[0] + last[0]) if name or rng.random() < 0.85 else (first[0] + rng.choice(FIRST_NAMES)[0] + last[0])
    )

    # The lead agency's case number, and sometimes one other agency's.
    references = [(lead, case_number(lead, index))]
    others = [code for code in involved if code in CASE_PREFIX and code != lead]
    if others and rng.random() < 0.5:
        other = rng.choice(others)
        references.append((other, case_number(other, index)))
    if story in {"exploitation", "offending"} and "exploitation" in needs and rng.random() < 0.45:
        references.append((SCP, f"MACE-{as_of.year % 100:02d}-{index:05d}"))

    person = PersonSpec(
        index=index,
        ref=ref,
        initials=initials.upper(),
        birth_month=f"{birth_index // 12:04d}-{birth_index % 12 + 1:02d}",
        gender=gender,
        area=_weighted(rng, AREAS, _AREA_CUM),
        story=story,
        transition=transition,
        needs=tuple(sorted(needs)),
        lead_agency=lead,
        lead_user=LEAD_USERS[lead],
        name=name,
        references=references,
        involvements=sorted(h.rows, key=lambda row: (row.start, row.service)),
    )
    _voice_and_sharing(rng, person, involved, as_of)
    return person


def _voice_and_sharing(rng: random.Random, person: PersonSpec, involved: list[str], as_of: dt.date) -> None:
    if rng.random() < 0.3:
        for _ in range(rng.randint(1, 2)):
            person.voice.append(
                VoiceSpec(
                    recorded_on=as_of - _days(rng, 7, 240),
                    by=person.lead_user,
                    working_well=rng.choice(WORKING_WELL),
                    worries=rng.choice(WORRIES) if rng.random() < 0.85 else "",
                    wants=rng.choice(WANTS),
                    scale=rng.randint(2, 9) if rng.random() < 0.9 else None,
                )
            )
    if rng.random() < 0.18:
        others = [code for code in involved if code != person.lead_agency]
        shared, what, why, basis = rng.choice(SHARING_REASONS)
        recipients = tuple(sorted(rng.sample(others, min(len(others), rng.randint(1, 2))))) if others else ()
        if not recipients:
            recipients = ("harbourside-csc",) if person.lead_agency != "harbourside-csc" else ("harbourside-police",)
        person.sharing.append(
            SharingSpec(as_of - _days(rng, 3, 300), person.lead_user, shared, what, recipients, why, basis)
        )


# --- Statistics the demo prints and the tests check ------------------------------------------------


def turning_18_within(people: list[PersonSpec], as_of: dt.date, days: int = 365) -> int:
    end = as_of + dt.timedelta(days=days)
    return sum(1 for person in people if as_of <= person.turns_18 < end)


def engine_services() -> list[engine.Service]:
    """The demo's services as the engine sees them (for checks without a database)."""
    return [
        engine.Service(
            service_id=spec.code,
            audience=spec.audience,
            min_age=spec.min_age,
            max_age=spec.max_age,
            ends_at_age=spec.ends_at_age,
            weight=float(spec.default_weight),
            max_extension_days=spec.max_extension_days,
            needs=frozenset(spec.needs),
            agency=spec.agency,
        )
        for spec in SERVICES
    ]


def engine_inputs(people: list[PersonSpec]) -> tuple[list[engine.Person], list[engine.Involvement]]:
    persons = [engine.Person(p.ref, p.birth_month, frozenset(p.needs)) for p in people]
    rows = [
        engine.Involvement(
            p.ref, i.service, i.start, i.planned_end, i.actual_end, None if i.weight is None else float(i.weight)
        )
        for p in people
        for i in p.involvements
    ]
    return persons, rows


# --- Writing them: one by one, audited ---------------------------------------------------------


def _users(ctx: DemoContext) -> dict[str, User]:
    return {email.split("@", 1)[0]: user for email, user in ctx.users.items()}


def _contact(user: User) -> dict[str, str]:
    return {"lead_contact_name": user.full_name, "lead_contact_email": user.email, "lead_contact_phone": user.phone}


def build_young_people(ctx: DemoContext) -> None:
    """The demo's young people through the people services (each write audited), then the forecast."""
    count = ctx.young_people
    as_of = ctx.as_of or timezone.localdate()
    if count == 0:
        return
    if count > AUDITED_LIMIT:
        bulk_load(ctx, count=count, as_of=as_of, progress=ctx.progress)
        return
    users = _users(ctx)
    services = {code: ctx.services[code] for code in SERVICE}
    specs = list(generate(ctx.seed, as_of, count))
    made: dict[str, YoungPerson] = {}
    involvements = 0
    with forecasting.refresh_deferred():
        for spec in specs:
            lead = users[spec.lead_user]
            person = people_services.young_person_create(
                actor=None,
                actor_label=ACTOR_LABEL,
                ref=spec.ref,
                needs=spec.needs,
                name=spec.name,
                initials=spec.initials,
                birth_month=spec.birth_month,
                gender=spec.gender,
                area=spec.area,
                lead_agency=ctx.agencies[spec.lead_agency],
                **_contact(lead),
            )
            made[spec.ref] = person
            for agency_code, local_id in spec.references:
                people_services.agency_reference_add(
                    actor=None, young_person=person, local_id=local_id, agency=ctx.agencies[agency_code]
                )
            for row in spec.involvements:
                people_services.involvement_create(
                    actor=None,
                    actor_label=ACTOR_LABEL,
                    young_person=person,
                    service=services[row.service],
                    start=row.start,
                    planned_end=row.planned_end,
                    actual_end=row.actual_end,
                    weight=row.weight,
                )
                involvements += 1
            for voice in spec.voice:
                people_services.voice_record(
                    actor=users[voice.by],
                    young_person=person,
                    recorded_on=voice.recorded_on,
                    working_well=voice.working_well,
                    worries=voice.worries,
                    wants=voice.wants,
                    scale=voice.scale,
                )
            for decision in spec.sharing:
                people_services.sharing_decision_record(
                    actor=users[decision.by],
                    young_person=person,
                    shared=decision.shared,
                    what=decision.what,
                    why=decision.why,
                    lawful_basis=decision.lawful_basis,
                    with_whom=[ctx.agencies[code] for code in decision.with_whom],
                    decided_on=decision.decided_on,
                )
        plans = _agree_some_plans(ctx, specs, made, users, as_of)
    run = forecasting.cohort_refresh(as_of=as_of)
    _count(ctx, specs_count=len(specs), involvements=involvements, as_of=as_of, run=run, plans=plans)
    ctx.counts["turning_18"] = turning_18_within(specs, as_of)


PLANS_WANTED = 12


def _agree_some_plans(ctx, specs, made, users, as_of: dt.date) -> int:
    """A few agreed transition plans: the engine's exit plan and its first bridging suggestions,
    agreed by the young person's lead practitioner."""
    rng = random.Random(f"harbourside-plans:{ctx.seed}")
    candidates = [s for s in specs if s.transition in {"cliff", "staggered"}]
    rng.shuffle(candidates)
    agreed = 0
    today = timezone.localdate()
    for spec in candidates:
        if agreed >= PLANS_WANTED:
            break
        person = made[spec.ref]
        edges = forecasting.person_forecast(person, as_of=as_of).cliff_edges
        if not edges:
            continue
        edge = edges[0]
        rows = {
            (i.service.code, i.effective_end): i for i in person.involvements.select_related("service", "young_person")
        }
        ends = []
        for change in edge.plan.changes if edge.plan else ():
            involvement = rows.get((change.service_id, change.from_date))
            if involvement is not None:
                ends.append(people_services.AgreedEnd(involvement, change.to_date))
        statuses = (BridgingReferral.Status.REFERRED, BridgingReferral.Status.ACCEPTED)
        referrals = [
            people_services.Referral(ctx.services[s.service_id], statuses[k % 2], s.reason)
            for k, s in enumerate(edge.suggestions[:2])
        ]
        if not ends and not referrals:
            continue
        people_services.transition_plan_agree(
            actor=users[spec.lead_user],
            young_person=person,
            edge_start=edge.start,
            edge_end=edge.end,
            review_date=max(as_of, today) + dt.timedelta(days=28),
            ends=ends,
            referrals=referrals,
            notes="Agreed at the transitions panel with the young person and their worker.",
        )
        agreed += 1
    return agreed


def _count(ctx: DemoContext, *, specs_count: int, involvements: int, as_of: dt.date, run, plans: int) -> None:
    ctx.counts["young_people"] = specs_count
    ctx.counts["involvements"] = involvements
    ctx.counts["cliff_edges"] = run.edges
    ctx.counts["transition_plans"] = plans
    ctx.counts["as_of"] = as_of


# --- Writing them in bulk: for benchmarks -----------------------------------------------------------

BATCH_PEOPLE = 2000


def bulk_load(ctx: DemoContext, *, count: int, as_of: dt.date, progress: Callable[[str], None] | None = None) -> None:
    """Write ``count`` young people with ``bulk_create`` in batches: no per-row audit events.

    One audit event, ``demo.young_people.bulk_load``, records the load (how many, the seed,
    the as-of date, how long it took). Voice entries and sharing decisions are written the same
    way; transition plans are not (they are agreed through the service, one by one). The
    forecast is then stored with ``forecasting.cohort_refresh``."""
    started = time.perf_counter()
    users = _users(ctx)
    service_ids = {code: ctx.services[code].pk for code in SERVICE}
    agency_ids = {code: agency.pk for code, agency in ctx.agencies.items()}
    need_ids = {slug: need.pk for slug, need in ctx.needs.items()}
    contacts = {local: _contact(user) for local, user in users.items()}
    user_ids = {local: user.pk for local, user in users.items()}
    NeedLink = YoungPerson.needs.through
    WithWhom = SharingDecision.with_whom.through
    totals = {"young_people": 0, "involvements": 0, "agency_references": 0, "voice_entries": 0, "sharing_decisions": 0}
    turning = 0
    batch: list[PersonSpec] = []

    def flush() -> None:
        nonlocal turning
        people = [
            YoungPerson(
                ref=spec.ref,
                initials=spec.initials,
                birth_month=spec.birth_month,
                gender=spec.gender,
                area=spec.area,
                lead_agency_id=agency_ids[spec.lead_agency],
                name_encrypted=encrypt_text(spec.name) if spec.name else "",
                **contacts[spec.lead_user],
            )
            for spec in batch
        ]
        YoungPerson.objects.bulk_create(people, batch_size=1000)
        pairs = list(zip(people, batch, strict=True))
        NeedLink.objects.bulk_create(
            [NeedLink(youngperson_id=p.pk, need_id=need_ids[slug]) for p, s in pairs for slug in s.needs],
            batch_size=5000,
        )
        references = [
            AgencyReference(young_person_id=p.pk, agency_id=agency_ids[code], local_id=local_id)
            for p, s in pairs
            for code, local_id in s.references
        ]
        AgencyReference.objects.bulk_create(references, batch_size=5000)
        rows = [
            Involvement(
                young_person_id=p.pk,
                service_id=service_ids[i.service],
                start=i.start,
                planned_end=i.planned_end,
                actual_end=i.actual_end,
                weight=i.weight,
            )
            for p, s in pairs
            for i in s.involvements
        ]
        Involvement.objects.bulk_create(rows, batch_size=5000)
        voices = [
            VoiceEntry(
                young_person_id=p.pk,
                recorded_on=v.recorded_on,
                recorded_by_id=user_ids[v.by],
                agency_id=agency_ids[s.lead_agency],
                working_well=v.working_well,
                worries=v.worries,
                wants=v.wants,
                scale=v.scale,
            )
            for p, s in pairs
            for v in s.voice
        ]
        VoiceEntry.objects.bulk_create(voices, batch_size=2000)
        decisions, recipients = [], []
        for p, s in pairs:
            for d in s.sharing:
                decisions.append(
                    SharingDecision(
                        young_person_id=p.pk,
                        decided_on=d.decided_on,
                        decided_by_id=user_ids[d.by],
                        agency_id=agency_ids[s.lead_agency],
                        shared=d.shared,
                        what=d.what,
                        why=d.why,
                        lawful_basis=d.lawful_basis,
                    )
                )
                recipients.append(d.with_whom)
        SharingDecision.objects.bulk_create(decisions, batch_size=2000)
        WithWhom.objects.bulk_create(
            [
                WithWhom(sharingdecision_id=d.pk, agency_id=agency_ids[code])
                for d, codes in zip(decisions, recipients, strict=True)
                for code in codes
            ],
            batch_size=5000,
        )
        totals["young_people"] += len(people)
        totals["involvements"] += len(rows)
        totals["agency_references"] += len(references)
        totals["voice_entries"] += len(voices)
        totals["sharing_decisions"] += len(decisions)
        turning += turning_18_within(batch, as_of)
        batch.clear()
        if progress is not None:
            progress(f"  {totals['young_people']:,} young people, {totals['involvements']:,} involvements")

    for spec in generate(ctx.seed, as_of, count):
        batch.append(spec)
        if len(batch) >= BATCH_PEOPLE:
            flush()
    if batch:
        flush()
    write_seconds = time.perf_counter() - started
    _analyse()
    run = forecasting.cohort_refresh(as_of=as_of)
    audit_record(
        actor=None,
        action="demo.young_people.bulk_load",
        actor_label=ACTOR_LABEL,
        detail={
            "seed": ctx.seed,
            "as_of": as_of.isoformat(),
            **totals,
            "cliff_edges": run.edges,
            "per_row_audit": False,
            "seconds": round(time.perf_counter() - started, 1),
        },
    )
    _count(ctx, specs_count=totals["young_people"], involvements=totals["involvements"], as_of=as_of, run=run, plans=0)
    ctx.counts["turning_18"] = turning
    ctx.counts["write_seconds"] = round(write_seconds, 1)
    ctx.counts["forecast_seconds"] = round(time.perf_counter() - started - write_seconds, 1)


def _analyse() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load: a server without autovacuum
    (or before it gets round to it) would otherwise plan a million-row table as if it were empty."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- Removing them ------------------------------------------------------------------------------


def wipe_young_people() -> int:
    """Every young person led by a Harbourside agency, and what hangs off them, leaves first."""
    codes = [spec.code for spec in AGENCIES]
    people = YoungPerson.objects.filter(lead_agency__code__in=codes)
    ids = people.values("pk")
    with transaction.atomic():
        StoredExit.objects.filter(edge__young_person__in=ids).delete()
        StoredEdge.objects.filter(young_person__in=ids).delete()
        PlannedEnd.objects.filter(plan__young_person__in=ids).delete()
        BridgingReferral.objects.filter(plan__young_person__in=ids).delete()
        TransitionPlan.objects.filter(young_person__in=ids).delete()
        VoiceEntry.objects.filter(young_person__in=ids).delete()
        SharingDecision.with_whom.through.objects.filter(sharingdecision__young_person__in=ids).delete()
        SharingDecision.objects.filter(young_person__in=ids).delete()
        BreakGlassAccess.objects.filter(young_person__in=ids).delete()
        AgencyReference.objects.filter(young_person__in=ids).delete()
        Involvement.objects.filter(young_person__in=ids).delete()
        YoungPerson.needs.through.objects.filter(youngperson__in=ids).delete()
        deleted, _ = people.delete()
    return deleted
