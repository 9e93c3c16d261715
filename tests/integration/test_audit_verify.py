"""``audit_verify`` and ``joinedup audit verify`` find every kind of tampering, each naming the
first bad event; and tampering is only possible after lifting the append-only triggers."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from joinedup.platform.audit import GENESIS_HASH, audit_record, audit_verify, compute_hash
from joinedup.platform.db_triggers import install_append_only_triggers, remove_append_only_triggers
from joinedup.platform.models import AuditEvent, AuditOutcome

pytestmark = pytest.mark.django_db


@contextmanager
def triggers_lifted():
    """The only way to tamper: drop the append-only triggers, then put them back."""
    remove_append_only_triggers(connection)
    try:
        yield
    finally:
        install_append_only_triggers(connection)


def record_events(count: int, actor=None) -> list[AuditEvent]:
    return [
        audit_record(
            actor=actor,
            action=f"tests.event.step{i}",
            object_type="tests.thing",
            object_id=i,
            detail={"n": i, "note": f"event {i}"},
        )
        for i in range(1, count + 1)
    ]


def run_verify(*args: str) -> tuple[int, str]:
    """Run the command as the CLI would; return (exit code, stdout + error message)."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def shift_up_from(seq: int) -> None:
    """Renumber events seq.. one higher (highest first, so the unique constraint holds)."""
    for s in AuditEvent.objects.filter(seq__gte=seq).order_by("-seq").values_list("seq", flat=True):
        AuditEvent.objects.filter(seq=s).update(seq=s + 1)


def forged(seq: int, prev_hash: str, **overrides) -> AuditEvent:
    event = AuditEvent(
        seq=seq,
        occurred_at=overrides.pop("occurred_at", AuditEvent.objects.get(seq=1).occurred_at + timedelta(seconds=1)),
        actor_label=overrides.pop("actor_label", "mallory@example.org"),
        action=overrides.pop("action", "accounts.user.update"),
        outcome=AuditOutcome.SUCCESS,
        prev_hash=prev_hash,
        **overrides,
    )
    event.hash = compute_hash(event)
    return event


# --- an intact trail -----------------------------------------------------------------------


def test_empty_trail_is_intact():
    result = audit_verify()
    assert result.ok and result.checked == 0 and result.head_hash == GENESIS_HASH


def test_intact_trail_passes_across_batches():
    events = record_events(7)
    for batch_size in (1, 2, 3, 7, 8, 2000):
        result = audit_verify(batch_size=batch_size)
        assert result.ok, result
        assert result.checked == 7
        assert (result.head_seq, result.head_hash) == (7, events[-1].hash)


def test_chain_links_each_event_to_the_one_before():
    events = record_events(4)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    for stored in AuditEvent.objects.all():
        assert compute_hash(stored) == stored.hash


def test_command_says_intact_and_exits_zero():
    events = record_events(5)
    code, output = run_verify()
    assert code == 0
    assert "Audit trail intact: 5 events checked" in output
    assert f"Head: 5:{events[-1].hash}" in output


def test_command_json_output():
    record_events(3)
    code, output = run_verify("--json")
    assert code == 0
    data = json.loads(output)
    assert data["ok"] is True and data["checked"] == 3 and data["first_bad_seq"] is None
    assert data["summary"] == "Audit trail intact: 3 events checked"


# --- each kind of tampering, separately ------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "accounts.user.delete"),
        ("actor_label", "someone.else@example.org"),
        ("outcome", AuditOutcome.FAILURE),
        ("object_id", "999"),
        ("request_id", "forged-request-id"),
        ("detail", {"n": 3, "note": "rewritten"}),
        ("prev_hash", "f" * 64),
        ("hash", "e" * 64),
    ],
)
def test_changed_event_is_named(field, value):
    events = record_events(5)
    with triggers_lifted():
        AuditEvent.objects.filter(seq=3).update(**{field: value})
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.checked == 2
    assert "does not match its hash" in result.reason
    if field != "action":
        assert result.first_bad_action == events[2].action


def test_changed_time_is_named():
    record_events(5)
    original = AuditEvent.objects.get(seq=4).occurred_at
    with triggers_lifted():
        AuditEvent.objects.filter(seq=4).update(occurred_at=original - timedelta(hours=1))
    result = audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_deleted_event_in_the_middle_is_named():
    events = record_events(6)
    with triggers_lifted():
        AuditEvent.objects.filter(seq=3).delete()
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == 4  # the first event after the gap
    assert result.first_bad_action == events[3].action
    assert result.checked == 2
    assert result.reason == "event 3 is missing before it (deleted)"


def test_several_deleted_events_are_reported_as_a_range():
    record_events(8)
    with triggers_lifted():
        AuditEvent.objects.filter(seq__in=[3, 4, 5]).delete()
    result = audit_verify()
    assert (result.first_bad_seq, result.checked) == (6, 2)
    assert result.reason == "events 3 to 5 are missing before it (deleted)"


def test_deleted_first_event_is_named():
    record_events(3)
    with triggers_lifted():
        AuditEvent.objects.filter(seq=1).delete()
    result = audit_verify()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 2, 0)


def test_event_inserted_out_of_order_is_named():
    """A forged row squeezed in between events 2 and 3: well hashed and linked to event 2,
    but the events after it had to be renumbered, which their hashes reveal."""
    events = record_events(5)
    with triggers_lifted():
        shift_up_from(3)
        forged(3, events[1].hash).save(force_insert=True)
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == 4  # the real event 3, now numbered 4
    assert result.first_bad_action == events[2].action
    assert result.checked == 3
    assert "does not match its hash" in result.reason


def test_rechained_fake_at_the_end_is_named():
    """A fake appended at the end but chained to an older event, not to the newest one."""
    events = record_events(5)
    fake = forged(6, events[2].hash)
    fake.save(force_insert=True)  # inserting needs no tampering: the triggers allow INSERT
    result = audit_verify()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 6, 5)
    assert result.first_bad_action == fake.action
    assert "not chained to event 5" in result.reason


def test_fake_with_a_gap_in_numbers_is_named():
    events = record_events(3)
    forged(10, events[-1].hash).save(force_insert=True)
    result = audit_verify()
    assert (result.first_bad_seq, result.checked) == (10, 3)
    assert result.reason == "events 4 to 9 are missing before it (deleted)"


def test_forged_event_with_recomputed_hash_breaks_its_successors_link():
    events = record_events(5)
    event = AuditEvent.objects.get(seq=3)
    event.action = "accounts.user.harmless"
    new_hash = compute_hash(event)
    with triggers_lifted():
        AuditEvent.objects.filter(seq=3).update(action=event.action, hash=new_hash)
    result = audit_verify()
    assert not result.ok
    # Event 3 is consistent in itself; the break shows at event 4, which names event 3.
    assert result.first_bad_seq == 4
    assert result.first_bad_action == events[3].action
    assert result.checked == 3
    assert "not chained to event 3" in result.reason


def test_swapped_events_are_named():
    events = record_events(5)
    with triggers_lifted():
        AuditEvent.objects.filter(seq=2).update(seq=-2)
        AuditEvent.objects.filter(seq=3).update(seq=2)
        AuditEvent.objects.filter(seq=-2).update(seq=3)
    result = audit_verify()
    assert (result.first_bad_seq, result.checked) == (2, 1)
    assert result.first_bad_action == events[2].action  # the old event 3 now sits at 2


# --- the newest events: what a chain alone cannot show, and the recorded head that can -------


def test_deleting_the_newest_event_needs_a_recorded_head():
    events = record_events(5)
    head = (5, events[-1].hash)
    with triggers_lifted():
        AuditEvent.objects.filter(seq=5).delete()
    # The chain that remains is valid: a hash chain alone cannot show a cut tail.
    assert audit_verify().ok
    result = audit_verify(expect_head=head)
    assert not result.ok
    assert result.first_bad_seq == 5
    assert "the newest events were deleted" in result.reason


def test_rewritten_tail_fails_against_a_recorded_head():
    events = record_events(4)
    head = (4, events[-1].hash)
    event = AuditEvent.objects.get(seq=4)
    event.detail = {"n": 4, "note": "rewritten"}
    with triggers_lifted():
        AuditEvent.objects.filter(seq=4).update(detail=event.detail, hash=compute_hash(event))
    assert audit_verify().ok
    result = audit_verify(expect_head=head)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    # New events after the recorded head do not upset the check.
    with triggers_lifted():
        AuditEvent.objects.filter(seq=4).update(detail=events[-1].detail, hash=events[-1].hash)
    record_events(2)
    assert audit_verify(expect_head=head).ok


# --- the command on a broken trail ---------------------------------------------------------


def test_command_names_the_first_bad_event_and_exits_one():
    events = record_events(5)
    with triggers_lifted():
        AuditEvent.objects.filter(seq=2).update(action="tests.event.rewritten")
    code, output = run_verify()
    assert code == 1
    when = events[1].occurred_at.astimezone(UTC).isoformat(timespec="seconds")
    assert f"Audit trail broken at event 2 (tests.event.rewritten at {when}): " in output
    assert "does not match its hash" in output
    assert "1 event checked before it" in output


def test_command_json_on_a_broken_trail():
    record_events(4)
    with triggers_lifted():
        AuditEvent.objects.filter(seq=2).delete()
    code, output = run_verify("--json")
    assert code == 1
    data = json.loads(output.split("\n}")[0] + "\n}")
    assert data["ok"] is False and data["first_bad_seq"] == 3 and data["checked"] == 1
    assert data["first_bad_action"] == "tests.event.step3"
    assert data["first_bad_at"].endswith("+00:00")


def test_command_expect_head():
    events = record_events(3)
    assert run_verify("--expect-head", f"3:{events[-1].hash}")[0] == 0
    with triggers_lifted():
        AuditEvent.objects.filter(seq=3).delete()
    code, output = run_verify("--expect-head", f"3:{events[-1].hash}")
    assert code == 1 and "the newest events were deleted" in output
    code, output = run_verify("--expect-head", "three")
    assert code == 1 and "--expect-head must be SEQ:HASH" in output


def test_command_needs_a_subcommand():
    with pytest.raises(CommandError):
        call_command("audit")


def test_command_batch_size():
    record_events(5)
    code, output = run_verify("--batch-size", "2")
    assert code == 0 and "Audit trail intact: 5 events checked" in output
    code, output = run_verify("--batch-size", "0")
    assert code == 1 and "--batch-size must be at least 1" in output
