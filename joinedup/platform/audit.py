"""Writing and verifying the audit trail.

``audit_record`` is the only way rows get into ``AuditEvent``. Call it inside the same
``transaction.atomic()`` as the change it describes, so the change and its audit stand or
fall together.

How the chain works: every event stores the hash of the event before it (``prev_hash``)
and the SHA-256 of its own canonical content (every field but the database id and the hash
itself), so ``audit_verify`` finds an event that was changed, deleted from the middle,
moved, or inserted out of order.

What a hash chain alone cannot show: **removing the newest event(s)**. Whoever can delete
rows can drop the tail and leave a shorter chain that is still perfectly valid; for the same
reason, rewriting the newest event and recomputing its hash passes too. The database
triggers refuse both, and ``audit_verify(expect_head=(seq, hash))`` checks the trail against
a head written down earlier somewhere else (``joinedup audit verify`` prints it), which
catches a cut or rewritten tail back to that point. Events after the last recorded head are
only as safe as the database permissions.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent, AuditOutcome

GENESIS_HASH = "0" * 64
# Any constant will do: it names the lock that serialises appends on PostgreSQL.
_POSTGRES_ADVISORY_LOCK_KEY = 0x4A4F494E4544  # "JOINED"

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("joinedup_request_id", default="")


def _canonical(event: AuditEvent) -> bytes:
    """The bytes that are hashed: every field of the event except its database id and hash.

    The order and format are part of the trail: changing them breaks every stored hash.
    """
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


def _no_nul(text: str) -> str:
    """PostgreSQL text and jsonb cannot hold NUL; a hostile path or cell must still be audited."""
    return text.replace("\x00", "\\x00")


def _clip(value: Any, field: str) -> str:
    """Cut text to the column's length *before* hashing, so what is hashed is what is stored."""
    return _no_nul(str(value or ""))[: AuditEvent._meta.get_field(field).max_length]


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return _no_nul(value)
    if isinstance(value, list):
        return [_strip_nul(item) for item in value]
    if isinstance(value, dict):
        return {_no_nul(key): _strip_nul(item) for key, item in value.items()}
    return value


def _json_safe(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The detail exactly as it will read back from the database (dates become strings, tuples
    lists, keys strings), so the hash computed now is the hash computed on verify."""
    if not detail:
        return {}
    if not isinstance(detail, dict):
        raise TypeError("Audit detail must be a dict")
    return _strip_nul(json.loads(json.dumps(detail, cls=DjangoJSONEncoder, allow_nan=False)))


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_label": "", "agency_id": None, "agency_label": "", "role": ""}
    agency = getattr(actor, "agency", None)
    return {
        "actor_id": actor.pk,
        "actor_label": _clip(getattr(actor, "email", "") or str(actor), "actor_label"),
        "agency_id": getattr(agency, "pk", None),
        "agency_label": _clip(str(agency) if agency is not None else "", "agency_label"),
        "role": _clip(getattr(actor, "role", ""), "role"),
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
    """Append one event to the trail, chained to the one before it.

    Appends are serialised, so two writers can never chain to the same predecessor:
    PostgreSQL takes a transaction-scoped advisory lock (held until the surrounding
    transaction commits or rolls back); SQLite takes its write lock when the transaction
    begins (``transaction_mode = IMMEDIATE`` in settings).
    """
    if action.count(".") < 2:
        raise ValueError(f"Audit action {action!r} must be app.entity.verb")
    if len(action) > AuditEvent._meta.get_field("action").max_length:
        raise ValueError(f"Audit action {action!r} is too long")
    if outcome not in AuditOutcome.values:
        raise ValueError(f"Unknown audit outcome {outcome!r}")
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    fields = _actor_fields(actor)
    if actor_label and not fields["actor_label"]:
        fields["actor_label"] = _clip(actor_label, "actor_label")
    detail = _json_safe(detail)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_POSTGRES_ADVISORY_LOCK_KEY])
        # Read the head only once the lock is held, so it cannot move under us.
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        last_seq, last_hash = last if last else (0, GENESIS_HASH)
        event = AuditEvent(
            seq=last_seq + 1,
            occurred_at=timezone.now(),  # always UTC (USE_TZ); shown in Europe/London
            action=action,
            object_type=_clip(object_type, "object_type"),
            object_id=_clip(object_id, "object_id"),
            object_repr=_clip(object_repr, "object_repr"),
            outcome=outcome,
            request_id=_clip(current_request_id.get(), "request_id"),
            detail=detail,
            prev_hash=last_hash,
            **fields,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class VerifyResult:
    """What ``audit_verify`` found.

    ``checked`` counts the events, from the first, that are proven intact. When the trail is
    broken, ``first_bad_seq`` is the first event the check stopped at (with its action and
    time, when it exists) and ``reason`` says why in plain words. ``head_seq`` and
    ``head_hash`` are the last intact event: write them down to detect a cut tail later.
    """

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    first_bad_action: str = ""
    first_bad_at: datetime | None = None
    head_seq: int = 0
    head_hash: str = GENESIS_HASH

    def summary(self) -> str:
        if self.ok:
            return f"Audit trail intact: {self.checked} event{'' if self.checked == 1 else 's'} checked"
        where = f"event {self.first_bad_seq}"
        if self.first_bad_action:
            when = self.first_bad_at.astimezone(UTC).isoformat(timespec="seconds") if self.first_bad_at else ""
            where += f" ({self.first_bad_action} at {when})"
        return f"Audit trail broken at {where}: {self.reason}. {self.checked} event{'' if self.checked == 1 else 's'} checked before it"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["first_bad_at"] = self.first_bad_at.astimezone(UTC).isoformat() if self.first_bad_at else None
        data["summary"] = self.summary()
        return data


def audit_verify(*, batch_size: int = 2000, expect_head: tuple[int, str] | None = None) -> VerifyResult:
    """Walk the trail in ``seq`` order, recompute every hash and check every link.

    Reads in keyset batches (``seq > last``), so memory stays flat for any length of trail
    and no server-side cursor is needed. For each event, in this order:

    1. its ``seq`` is one more than the previous event's (else events are missing);
    2. its hash matches its content (else it was changed, or renumbered);
    3. its ``prev_hash`` is the previous event's hash (else the previous event was
       rewritten with a fresh hash, or this one was inserted or moved).

    ``expect_head=(seq, hash)``: a head recorded earlier; the trail must still contain that
    event with that hash (this is what finds a cut or rewritten tail).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    previous_hash = GENESIS_HASH
    previous_seq = 0
    checked = 0

    def broken(event: AuditEvent | None, seq: int, reason: str) -> VerifyResult:
        return VerifyResult(
            False,
            checked,
            seq,
            reason,
            first_bad_action=event.action if event else "",
            first_bad_at=event.occurred_at if event else None,
            head_seq=previous_seq,
            head_hash=previous_hash,
        )

    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=previous_seq).order_by("seq")[:batch_size])
        for event in batch:
            if event.seq != previous_seq + 1:
                missing = (
                    f"event {previous_seq + 1} is missing"
                    if event.seq == previous_seq + 2
                    else f"events {previous_seq + 1} to {event.seq - 1} are missing"
                )
                return broken(event, event.seq, f"{missing} before it (deleted)")
            if compute_hash(event) != event.hash:
                return broken(event, event.seq, "its content does not match its hash (it was changed or renumbered)")
            if event.prev_hash != previous_hash:
                before = f"event {previous_seq}" if previous_seq else "the start of the trail"
                reason = (
                    f"it is not chained to {before} (that event was rewritten with a new hash, "
                    "or this one was inserted or moved out of order)"
                )
                return broken(event, event.seq, reason)
            previous_hash = event.hash
            previous_seq = event.seq
            checked += 1
        if len(batch) < batch_size:
            break

    if expect_head is not None:
        head_seq, head_hash = expect_head
        if head_seq > previous_seq:
            return broken(
                None,
                previous_seq + 1,
                f"the trail ends at event {previous_seq} but event {head_seq} was recorded earlier "
                "(the newest events were deleted)",
            )
        if head_seq > 0:
            kept = AuditEvent.objects.filter(seq=head_seq).first()
            if kept is not None and kept.hash != head_hash:
                return VerifyResult(
                    False,
                    head_seq - 1,
                    head_seq,
                    "its hash is not the one recorded earlier (it, or an event before it, was rewritten "
                    "and the chain after it rebuilt, or the newest events were replaced)",
                    first_bad_action=kept.action,
                    first_bad_at=kept.occurred_at,
                    head_seq=head_seq - 1,
                    head_hash=kept.prev_hash,
                )
    return VerifyResult(True, checked, head_seq=previous_seq, head_hash=previous_hash)
