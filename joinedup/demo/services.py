"""Writes for the demo: load the Harbourside partnership, all or nothing, audited."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, transaction

from joinedup.accounts.models import User
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


def demo_partnership_load(*, actor: Any = None, seed: int, replace: bool = False) -> DemoLoadResult:
    """Build Harbourside in one transaction, with one audit event in the same transaction.

    ``replace`` first removes the rows a previous demo build made (its users, services and
    agencies; the shared needs vocabulary stays), step by step in reverse order, and records
    that too. The audit trail is never touched: it keeps the earlier load events.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError("The seed must be a whole number")
    ctx = DemoContext(seed=seed, rng=random.Random(seed))
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
