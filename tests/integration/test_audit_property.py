"""Property: for any trail and any single tamper, ``audit_verify`` fails and names the right event.

Precisely, for a trail of events 1..n (n >= 1) and one tamper at event t:

* no tamper: verify passes and reports n events checked;
* **change** any stored field of event t other than ``seq`` (without recomputing its hash):
  verify fails naming event t, with events 1..t-1 checked;
* **swap** events t and t+1 (exchange their numbers): verify fails naming event t, with
  events 1..t-1 checked;
* **delete** event t, t < n: verify fails naming event t+1 (the first after the gap), with
  events 1..t-1 checked.

So the named event is the tampered one, or for a deletion the one just after it; never an
earlier one, and every event before the tamper is counted as checked. Deleting the newest
event (t = n) leaves a valid, shorter chain: verify passes with n-1 checked, and only a head
recorded earlier (``expect_head``) shows the loss. That limitation is asserted too.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from joinedup.platform.audit import audit_record, audit_verify
from joinedup.platform.models import AuditEvent, AuditOutcome
from tests.integration.test_audit_verify import triggers_lifted

pytestmark = pytest.mark.django_db

TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789@._- ", min_size=0, max_size=10)
DETAIL = st.dictionaries(
    st.text(alphabet="abcxyz", min_size=1, max_size=3),
    st.one_of(st.integers(-1000, 1000), TEXT, st.booleans(), st.none()),
    max_size=3,
)
EVENT = st.fixed_dictionaries(
    {
        "action": st.from_regex(r"\A[a-z]{1,6}\.[a-z]{1,6}\.[a-z]{1,6}\Z"),
        "outcome": st.sampled_from(AuditOutcome.values),
        "object_type": TEXT,
        "object_id": TEXT,
        "actor_label": TEXT,
        "detail": DETAIL,
    }
)
CHANGEABLE = {
    "occurred_at": st.integers(1, 10**9).map(lambda us: timedelta(microseconds=us)),
    "actor_id": st.integers(1, 10**6),
    "actor_label": TEXT,
    "agency_id": st.integers(1, 10**6),
    "agency_label": TEXT,
    "role": TEXT,
    "action": TEXT,
    "object_type": TEXT,
    "object_id": TEXT,
    "object_repr": TEXT,
    "outcome": st.sampled_from(AuditOutcome.values),
    "request_id": TEXT,
    "detail": DETAIL,
    "prev_hash": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    "hash": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
}


def different(field: str, old, drawn):
    """A new value for the field that really differs from the stored one."""
    if field == "occurred_at":
        return old + drawn
    if drawn != old:
        return drawn
    if field in ("actor_id", "agency_id"):
        return drawn + 1
    if field == "outcome":
        return next(o for o in AuditOutcome.values if o != old)
    if field == "detail":
        return {**old, "tampered": True}
    if field in ("prev_hash", "hash"):
        return "e" * 64 if old == "f" * 64 else "f" * 64
    return "z" if old != "z" else "y"


class Rollback(Exception):
    """Undo one example's events, so each example starts from an empty trail."""


def tamper_and_verify(data, events: list[dict], batch_size: int):
    recorded = [audit_record(actor=None, **event) for event in events]
    n = len(recorded)
    kind = data.draw(st.sampled_from(["none", "change", "swap", "delete"] if n > 1 else ["none", "change", "delete"]))
    if kind == "none":
        result = audit_verify(batch_size=batch_size)
        assert result.ok and result.checked == n
        return
    if kind == "swap":
        t = data.draw(st.integers(1, n - 1), label="swap t and t+1")
        with triggers_lifted():
            AuditEvent.objects.filter(seq=t).update(seq=-1)
            AuditEvent.objects.filter(seq=t + 1).update(seq=t)
            AuditEvent.objects.filter(seq=-1).update(seq=t + 1)
        expected = t
    elif kind == "change":
        t = data.draw(st.integers(1, n), label="change t")
        field = data.draw(st.sampled_from(sorted(CHANGEABLE)), label="field")
        value = data.draw(CHANGEABLE[field], label="value")
        value = different(field, getattr(recorded[t - 1], field), value)
        with triggers_lifted():
            AuditEvent.objects.filter(seq=t).update(**{field: value})
        expected = t
    else:
        t = data.draw(st.integers(1, n), label="delete t")
        with triggers_lifted():
            AuditEvent.objects.filter(seq=t).delete()
        if t == n:
            # The known limit of a hash chain: a cut tail is still a valid chain...
            result = audit_verify(batch_size=batch_size)
            assert result.ok and result.checked == n - 1
            # ...which only a head recorded earlier reveals.
            against_head = audit_verify(batch_size=batch_size, expect_head=(n, recorded[-1].hash))
            assert not against_head.ok and against_head.first_bad_seq == n
            return
        expected = t + 1
    result = audit_verify(batch_size=batch_size)
    assert not result.ok, (kind, t)
    assert result.first_bad_seq == expected, (kind, t, result)
    assert result.checked == t - 1, (kind, t, result)
    assert result.reason


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(data=st.data(), events=st.lists(EVENT, min_size=1, max_size=10), batch_size=st.integers(1, 4))
def test_any_single_tamper_is_found_at_the_right_event(data, events, batch_size):
    try:
        with transaction.atomic():
            tamper_and_verify(data, events, batch_size)
            raise Rollback
    except Rollback:
        pass
    assert not AuditEvent.objects.exists()
