"""Things the governance pages do, as opposed to read: checking the trail."""

from __future__ import annotations

from joinedup.platform.access import ensure_capability
from joinedup.platform.audit import VerifyResult, audit_record, audit_verify
from joinedup.platform.models import AuditEvent, AuditOutcome

from .selectors import AuditFilters


def audit_trail_view(*, actor, filters: AuditFilters, page: str) -> AuditEvent:
    """Looking at the trail is itself recorded, with the filters used."""
    return audit_record(
        actor=actor,
        action="governance.audit.view",
        object_type="platform.auditevent",
        detail={"filters": filters.used(), "page": str(page)[:20]},
    )


def audit_event_view(*, actor, event: AuditEvent) -> AuditEvent:
    """Opening one event is recorded too."""
    return audit_record(
        actor=actor,
        action="governance.audit.view",
        object_type="platform.auditevent",
        object_id=event.seq,
        object_repr=str(event),
    )


def audit_trail_verify(*, actor) -> VerifyResult:
    """Verify the whole chain, and record that this user checked it and what was found."""
    ensure_capability(actor, "governance.audit.view")
    result = audit_verify()
    audit_record(
        actor=actor,
        action="governance.audit.verify",
        object_type="platform.auditevent",
        outcome=AuditOutcome.SUCCESS if result.ok else AuditOutcome.FAILURE,
        detail={
            "ok": result.ok,
            "checked": result.checked,
            "first_bad_seq": result.first_bad_seq,
            "reason": result.reason,
        },
    )
    return result
