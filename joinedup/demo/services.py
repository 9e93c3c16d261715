"""Writes for the demo: load the Harbourside partnership, all or nothing, audited."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, transaction

from joinedup.accounts.models import User
from joinedup.people.models import StoredEdge, TransitionPlan
from joinedup.platform.access import Role
from joinedup.platform.audit import audit_record

from . import harbourside
from .harbourside import STEPS, DemoContext


@dataclass(frozen=True)
class DemoLoadResult:
    seed: int
    agencies: int
    services: int
    users: int
    replaced: bool
    young_people: int = 0
    involvements: int = 0
    cliff_edges: int = 0
    turning_18: int = 0  # young people whose 18th birthday falls within a year of as_of
    transition_plans: int = 0
    as_of: dt.date | None = None

    def as_detail(self) -> dict[str, Any]:
        return {"seed": self.seed, "agencies": self.agencies, "services": self.services, "users": self.users}


def demo_partnership_present() -> bool:
    """True when the Harbourside demo has been built in this database (its users exist).

    A database without the tables yet (not migrated) has no demo in it.
    """
    emails = [spec.email for spec in harbourside.USERS]
    try:
        with transaction.atomic():
            return User.objects.filter(email__in=emails).exists()
    except DatabaseError:
        return False


def demo_partnership_load(
    *,
    actor: Any = None,
    seed: int,
    replace: bool = False,
    young_people: int = 0,
    as_of: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoLoadResult:
    """Build Harbourside in one transaction, with one audit event in the same transaction.

    ``replace`` first removes the rows a previous demo build made (its young people, users,
    services and agencies; the shared needs vocabulary stays), step by step in reverse order,
    and records that too. The audit trail is never touched: it keeps the earlier load events.

    ``young_people`` young people (``joinedup demo`` asks for ``DEFAULT_YOUNG_PEOPLE``, 600)
    get histories up to ``as_of`` (default today). Up to ``people.AUDITED_LIMIT`` they are
    written through the people services, each write audited; a larger cohort (for benchmarks)
    is bulk-loaded with one summary audit event (``joinedup.demo.people.bulk_load``).
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError("The seed must be a whole number")
    if not isinstance(young_people, int) or isinstance(young_people, bool) or young_people < 0:
        raise TypeError("The number of young people must be a whole number, 0 or more")
    ctx = DemoContext(seed=seed, rng=random.Random(seed), young_people=young_people, as_of=as_of, progress=progress)
    with transaction.atomic():
        replaced = False
        if replace:
            removed = {step.name: step.wipe() for step in reversed(STEPS) if step.wipe is not None}
            replaced = any(removed.values())
            if replaced:
                audit_record(
                    actor=actor,
                    action="demo.partnership.remove",
                    actor_label="joinedup demo",
                    detail={"removed": removed},
                )
        for step in STEPS:
            step.build(ctx)
        result = DemoLoadResult(
            seed=seed,
            agencies=ctx.counts.get("agencies", 0),
            services=ctx.counts.get("services", 0),
            users=ctx.counts.get("users", 0),
            replaced=replaced,
            young_people=ctx.counts.get("young_people", 0),
            involvements=ctx.counts.get("involvements", 0),
            cliff_edges=ctx.counts.get("cliff_edges", 0),
            turning_18=ctx.counts.get("turning_18", 0),
            transition_plans=ctx.counts.get("transition_plans", 0),
            as_of=ctx.counts.get("as_of"),
        )
        audit_record(
            actor=actor,
            action="demo.partnership.load",
            actor_label="joinedup demo",
            detail=result.as_detail(),
        )
    return result


@dataclass(frozen=True)
class SignIn:
    role: str
    role_label: str
    email: str
    agency: str


def demo_sign_ins() -> list[SignIn]:
    """One line per role (the first demo user with it), then the other practitioners."""
    specs = {spec.code: spec.name for spec in harbourside.AGENCIES}
    first: list[SignIn] = []
    more: list[SignIn] = []
    seen: set[str] = set()
    for spec in harbourside.USERS:
        entry = SignIn(spec.role, Role(spec.role).label, spec.email, specs[spec.agency])
        (more if spec.role in seen else first).append(entry)
        seen.add(spec.role)
    order = list(Role.values)
    first.sort(key=lambda s: order.index(s.role))
    return first + more


@dataclass(frozen=True)
class YoungPersonExample:
    ref: str
    email: str
    why: str


def demo_young_person_examples() -> list[YoungPersonExample]:
    """A few young people's pages worth opening, each with a demo user who may see them in full."""

    def user(local: str) -> str:
        return f"{local}@{harbourside.EMAIL_DOMAIN}"

    try:
        with transaction.atomic():
            edges = StoredEdge.objects.select_related("young_person").order_by("young_person__ref", "start")
            picks = [
                (
                    edges.filter(age_driven=True, bridged=False, young_person__lead_agency__code="harbourside-camhs"),
                    "nurse",
                    "an unbridged cliff edge at 18 (CAMHS leads)",
                ),
                (
                    edges.filter(bridged=True, young_person__lead_agency__code="harbourside-leaving-care"),
                    "personal-adviser",
                    "a care leaver whose edge is bridged by leaving care",
                ),
                (
                    edges.filter(young_person__agency_references__agency__code="harbourside-scp"),
                    "coordinator",
                    "a MACE case with a cliff edge",
                ),
            ]
            examples = []
            for rows, local, why in picks:
                edge = rows.first()
                if edge is not None:
                    examples.append(YoungPersonExample(edge.young_person.ref, user(local), why))
            plan = (
                TransitionPlan.objects.select_related("young_person", "agreed_by").order_by("young_person__ref").first()
            )
            if plan is not None:
                examples.append(
                    YoungPersonExample(plan.young_person.ref, plan.agreed_by.email, "an agreed transition plan")
                )
            return examples
    except DatabaseError:
        return []
