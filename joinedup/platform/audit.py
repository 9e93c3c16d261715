"""Writing and verifying the audit trail.

``audit_record`` is the only way rows get into ``AuditEvent``. Call it inside the same
``transaction.atomic()`` as the change it describes, so the change and its audit stand or
fall together.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from datetime import UTC
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent, AuditOutcome

GENESIS_HASH = "0" * 64
# Any constant will do: it names the lock that serialises appends on PostgreSQL.
_POSTGRES_ADVISORY_LOCK_KEY = 0x4A4F494E4544  # "JOINED"

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("joinedup_request_id", default="")


def _canonical(event: AuditEvent) -> bytes:
    payload = [
        event.seq,
        event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        event.actor_id,
        event.actor_label,
        event.agency_id,
        event.agency_label,
        event.role,
        event.action,
        event.object_type,
        event.object_id,
        event.object_repr,
        event.outcome,
        event.request_id,
        event.detail,
        event.prev_hash,
    ]
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_label": "", "agency_id": None, "agency_label": "", "role": ""}
    agency = getattr(actor, "agency", None)
    return {
        "actor_id": actor.pk,
        "actor_label": getattr(actor, "email", "") or str(actor),
        "agency_id": getattr(agency, "pk", None),
        "agency_label": str(agency) if agency is not None else "",
        "role": getattr(actor, "role", "") or "",
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    outcome: str = AuditOutcome.SUCCESS,
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event to the trail, chained to the one before it."""
    if action.count(".") < 2:
        raise ValueError(f"Audit action {action!r} must be app.entity.verb")
    if outcome not in AuditOutcome.values:
        raise ValueError(f"Unknown audit outcome {outcome!r}")
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    fields = _actor_fields(actor)
    if actor_label and not fields["actor_label"]:
        fields["actor_label"] = actor_label[:254]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_POSTGRES_ADVISORY_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        last_seq, last_hash = last if last else (0, GENESIS_HASH)
        event = AuditEvent(
            seq=last_seq + 1,
            occurred_at=timezone.now(),
            action=action,
            object_type=object_type,
            object_id=str(object_id or ""),
            object_repr=str(object_repr)[:200],
            outcome=outcome,
            request_id=current_request_id.get(),
            detail=detail or {},
            prev_hash=last_hash,
            **fields,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def audit_verify(*, batch_size: int = 2000) -> VerifyResult:
    """Walk the trail in id order and recompute every hash and link."""
    previous_hash = GENESIS_HASH
    previous_seq = 0
    checked = 0
    queryset = AuditEvent.objects.order_by("seq")
    for event in queryset.iterator(chunk_size=batch_size):
        if event.seq != previous_seq + 1:
            return VerifyResult(
                False, checked, event.seq, f"it follows event {previous_seq}: an event between them is missing"
            )
        if event.prev_hash != previous_hash:
            reason = (
                "its link to the event before it is broken: an event before it was deleted or changed, "
                "or it was inserted out of order"
            )
            return VerifyResult(False, checked, event.seq, reason)
        if compute_hash(event) != event.hash:
            return VerifyResult(False, checked, event.seq, "its content does not match its hash: it was changed")
        previous_hash = event.hash
        previous_seq = event.seq
        checked += 1
    return VerifyResult(True, checked)
