"""The hash covers every field of an event, in UTC; the filter form's messages. No database."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from joinedup.governance.forms import AuditFilterForm
from joinedup.platform.audit import GENESIS_HASH, VerifyResult, _json_safe, compute_hash
from joinedup.platform.models import AuditEvent


def sample(**overrides) -> AuditEvent:
    fields = {
        "seq": 5,
        "occurred_at": datetime(2025, 3, 30, 0, 59, 59, 123456, tzinfo=UTC),
        "actor_id": 3,
        "actor_label": "amy@example.org",
        "agency_id": 2,
        "agency_label": "Harbourside Police",
        "role": "admin",
        "action": "accounts.user.update",
        "object_type": "accounts.user",
        "object_id": "9",
        "object_repr": "sam@example.org",
        "outcome": "success",
        "request_id": "abc123def456",
        "detail": {"changed": ["role"], "b": 1, "a": "x"},
        "prev_hash": "a" * 64,
    }
    fields.update(overrides)
    return AuditEvent(**fields)


CHANGES = {
    "seq": 6,
    "occurred_at": datetime(2025, 3, 30, 0, 59, 59, 123457, tzinfo=UTC),
    "actor_id": 4,
    "actor_label": "amy@example.com",
    "agency_id": None,
    "agency_label": "Harbourside CAMHS",
    "role": "analyst",
    "action": "accounts.user.create",
    "object_type": "accounts.agency",
    "object_id": "90",
    "object_repr": "sam@example.org ",
    "outcome": "failure",
    "request_id": "abc123def457",
    "detail": {"changed": ["roles"], "b": 1, "a": "x"},
    "prev_hash": "b" * 64,
}


def test_every_field_but_id_and_hash_is_covered():
    hashed = {f.name for f in AuditEvent._meta.get_fields()} - {"id", "hash"}
    assert hashed == set(CHANGES), "a new AuditEvent field must be added to the hash and to this test"


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_changing_any_field_changes_the_hash(field):
    assert compute_hash(sample(**{field: CHANGES[field]})) != compute_hash(sample())


def test_hash_is_sha256_hex_and_stable():
    digest = compute_hash(sample())
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert compute_hash(sample()) == digest
    assert len(GENESIS_HASH) == 64


def test_the_same_instant_in_any_time_zone_hashes_the_same():
    instant = datetime(2025, 7, 1, 11, 30, tzinfo=UTC)
    london = instant.astimezone(ZoneInfo("Europe/London"))
    assert london.hour == 12
    assert compute_hash(sample(occurred_at=london)) == compute_hash(sample(occurred_at=instant))


def test_detail_key_order_does_not_matter_but_values_do():
    assert compute_hash(sample(detail={"a": 1, "b": 2})) == compute_hash(sample(detail={"b": 2, "a": 1}))
    assert compute_hash(sample(detail={"a": 1})) != compute_hash(sample(detail={"a": "1"}))


def test_detail_is_stored_as_it_will_read_back():
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert _json_safe({"when": when, "pair": (1, 2), 3: "x"}) == {
        "when": "2025-01-02T03:04:05Z",
        "pair": [1, 2],
        "3": "x",
    }
    assert _json_safe(None) == {}
    with pytest.raises(ValueError):
        _json_safe({"x": float("nan")})
    with pytest.raises(TypeError):
        _json_safe(["not", "a", "dict"])  # type: ignore[arg-type]


def test_summaries():
    assert VerifyResult(True, 12).summary() == "Audit trail intact: 12 events checked"
    assert VerifyResult(True, 1).summary() == "Audit trail intact: 1 event checked"
    broken = VerifyResult(
        False,
        1,
        2,
        "its content does not match its hash (it was changed or renumbered)",
        first_bad_action="accounts.user.update",
        first_bad_at=datetime(2025, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/London")),
    )
    assert broken.summary() == (
        "Audit trail broken at event 2 (accounts.user.update at 2025-07-01T11:00:00+00:00): "
        "its content does not match its hash (it was changed or renumbered). 1 event checked before it"
    )
    assert broken.as_dict()["first_bad_at"] == "2025-07-01T11:00:00+00:00"


# --- the filter form --------------------------------------------------------------------------


def errors(data: dict) -> dict[str, list[str]]:
    form = AuditFilterForm(data)
    form.is_valid()
    return dict(form.errors)


def test_empty_form_is_valid_and_filters_nothing():
    form = AuditFilterForm({})
    assert form.is_valid()
    assert form.filters().used() == {}


def test_dates_in_several_formats():
    for text in ("27/3/2025", "27-03-2025", "27.3.2025", "2025-03-27"):
        form = AuditFilterForm({"date_from": text, "date_to": text})
        assert form.is_valid(), (text, form.errors)
        assert form.filters().date_from == date(2025, 3, 27) == form.filters().date_to


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"date_from": "30/2/2025"}, {"date_from": ["Date from must be a real date, like 27/3/2025"]}),
        ({"date_from": "27/13/2025"}, {"date_from": ["Date from must be a real date, like 27/3/2025"]}),
        ({"date_to": "next week"}, {"date_to": ["Date to must be a real date, like 27/3/2025"]}),
        (
            {"date_from": (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")},
            {"date_from": ["Date from must be today or in the past"]},
        ),
        (
            {"date_from": "5/5/2025", "date_to": "4/5/2025"},
            {"date_to": ["Date to must be the same as or after date from"]},
        ),
        ({"outcome": "granted"}, {"outcome": ["Select an outcome from the list"]}),
        ({"object_id": "9" * 101}, {"object_id": ["Object ID must be 100 characters or fewer"]}),
    ],
)
def test_specific_messages(data, expected):
    assert errors(data) == expected


def test_filters_are_trimmed():
    form = AuditFilterForm({"actor": "  amy ", "action": " accounts. ", "outcome": "denied"})
    assert form.is_valid()
    assert form.filters().used() == {"actor": "amy", "action": "accounts.", "outcome": "denied"}
