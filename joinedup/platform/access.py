"""Roles and what each may do (DESIGN §7).

A *capability* is a named thing a user may do. Views ask for a capability with
``require_capability``; selectors scope rows by the user. The matrix here is the one
place that says which role has which capability.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Partnership administrator"
    COORDINATOR = "coordinator", "Exploitation coordinator"
    PRACTITIONER = "practitioner", "Practitioner"
    STRATEGIC_LEAD = "strategic_lead", "Strategic leader"
    ANALYST = "analyst", "Analyst"
    MODERATOR = "moderator", "Community engagement officer"


ALL_ROLES = frozenset(Role)

# capability -> roles that have it
CAPABILITIES: dict[str, frozenset[str]] = {
    # Read the partnership directory of agencies and services (signed in).
    "directory.view": ALL_ROLES,
    # Create and change agencies and services, import services.
    "directory.manage": frozenset({Role.ADMIN}),
    # Create and change forums, their member agencies and distribution lists (whose members
    # every signed-in user may read, with "directory.view").
    "directory.forums.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # Forums' meetings are recorded by those who manage forums (above): meetings, agenda items,
    # attendance, decisions, outcomes and actions. Putting a young person on a panel's agenda
    # also needs "people.search", so it is the coordinator's (administrators see no records).
    # Who may read what about a young person on an agenda is decided per item (ADR 0009).
    #
    # Update an action's progress (status, evidence, date done): only for actions owned by the
    # user's own agency (or any action, for those who manage forums). The roles whose work
    # produces actions (DESIGN §2): practitioners, coordinators, strategic leaders (board
    # actions) and administrators. Analysts and moderators read actions but do not own them.
    "directory.actions.update": frozenset({Role.ADMIN, Role.COORDINATOR, Role.PRACTITIONER, Role.STRATEGIC_LEAD}),
    # The panels' "due for review" list: young people by reference. Coordinators see every
    # panel's; practitioners only young people their agency is involved with.
    "directory.panel_reviews.view": frozenset({Role.COORDINATOR, Role.PRACTITIONER}),
    # The silo map: which agencies sit at which forums, and counts of young people two
    # agencies share (aggregates, suppressed below 5 for everyone but administrators). For
    # those who shape the partnership's structure (DESIGN §2): not practitioners or moderators,
    # who see a forum's "who else could join" by needs only.
    "directory.silo_map.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.STRATEGIC_LEAD, Role.ANALYST}),
    # Create and change users, their roles and agencies.
    "accounts.manage": frozenset({Role.ADMIN}),
    # Read the audit trail.
    "governance.audit.view": frozenset({Role.ADMIN}),
    # Hold personal API tokens.
    "api.tokens": ALL_ROLES,
    # Search for a young person and see who is involved and whom to contact (the signpost).
    # The full record needs more: the user's agency involved with them, or break-glass.
    "people.search": frozenset({Role.COORDINATOR, Role.PRACTITIONER}),
    # Add and change young people, involvements, sharing decisions, voice and transition plans,
    # on records the user may see in full (and involvements with their own agency's services).
    "people.record.edit": frozenset({Role.COORDINATOR, Role.PRACTITIONER}),
    # Open a record the user's agency is not involved in, giving a reason; expires; audited.
    "people.break_glass": frozenset({Role.COORDINATOR}),
    # See every break-glass access (reported to coordinators, DESIGN §7).
    "people.break_glass.report": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # Bulk import of young people and involvements. Admins may load any agency's rows; others
    # only rows for their own agency.
    "people.import": frozenset({Role.ADMIN, Role.COORDINATOR, Role.PRACTITIONER}),
    # The transitions dashboard: upcoming cliff edges, scoped to the viewer's records.
    "transitions.dashboard": frozenset({Role.COORDINATOR, Role.PRACTITIONER}),
    # Recompute every stored forecast now (it also runs nightly).
    "transitions.forecast.run": frozenset({Role.ADMIN, Role.COORDINATOR}),
}


def has_capability(user: Any, capability: str) -> bool:
    """True when the signed-in, active user's role carries the capability."""
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return getattr(user, "role", None) in CAPABILITIES[capability]


def ensure_capability(actor: Any, capability: str) -> None:
    """For services: refuse, with PermissionDenied, an actor whose role lacks the capability.

    Views check first (require_capability); this is the second lock, for callers that are
    not views: commands, the API, other services."""
    if not has_capability(actor, capability):
        raise PermissionDenied(f"Your role does not allow {capability}")


def require_capability(capability: str) -> Callable:
    """View decorator: anonymous users go to sign in; signed-in users without it get 403."""
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied(f"Your role does not allow {capability}")
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator


def require_sign_in(view: Callable) -> Callable:
    """View decorator for pages every signed-in user may see."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
