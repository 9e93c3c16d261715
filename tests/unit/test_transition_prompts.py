"""Transition prompts: examples from the rules, and Hypothesis against a plain month-by-month reference."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.domain.transition_prompts import (
    CARE_ACT,
    DUE,
    PAST_DUE,
    PATHWAY_PLAN,
    UPCOMING,
    age_months_date,
    care_act_due_from,
    is_leaving_care_service,
    pathway_due_by,
    transition_prompts,
)

D = dt.date


def kinds(prompts):
    return {p.kind: p.status for p in prompts}


# --- the plain reference: walk the calendar one month at a time ------------------------------


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _reference_age_date(birth_month: str, months: int) -> dt.date:
    year, month = (int(x) for x in birth_month.split("-"))
    day = dt.date(year, month, 1)
    for _ in range(months):
        day = _next_month(day)
    return day


def reference_prompts(birth_month: str, today: dt.date, care_leaver: bool, notice: int) -> dict[str, str]:
    """{kind: status} by the rules in the module docstring, done the slow and obvious way."""
    out = {}
    eighteen = _reference_age_date(birth_month, 18 * 12)
    if today >= eighteen:
        return out
    half = _reference_age_date(birth_month, 17 * 12 + 6)
    if today >= half:
        out[CARE_ACT] = DUE
    elif (half - today).days <= notice:
        out[CARE_ACT] = UPCOMING
    if care_leaver:
        sixteen = _reference_age_date(birth_month, 16 * 12)
        by = _reference_age_date(birth_month, 16 * 12 + 3)
        if today >= by:
            out[PATHWAY_PLAN] = PAST_DUE
        elif today >= sixteen:
            out[PATHWAY_PLAN] = DUE
        elif (sixteen - today).days <= notice:
            out[PATHWAY_PLAN] = UPCOMING
    return out


birth_months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1990, 2030), st.integers(1, 12))
days = st.dates(min_value=D(2000, 1, 1), max_value=D(2060, 12, 31))


@given(birth_months, days, st.booleans(), st.integers(0, 400))
def test_prompts_match_the_reference(birth_month, today, care_leaver, notice):
    got = transition_prompts(birth_month, today, care_leaver=care_leaver, notice_days=notice)
    assert kinds(got) == reference_prompts(birth_month, today, care_leaver, notice)


@given(birth_months, st.integers(0, 40 * 12))
def test_age_dates_match_the_reference(birth_month, months):
    assert age_months_date(birth_month, months // 12, months % 12) == _reference_age_date(birth_month, months)


@given(birth_months, days, st.booleans())
def test_prompts_are_ordered_and_dated_consistently(birth_month, today, care_leaver):
    prompts = transition_prompts(birth_month, today, care_leaver=care_leaver)
    assert [p.due_from for p in prompts] == sorted(p.due_from for p in prompts)
    for prompt in prompts:
        assert prompt.due_from < prompt.due_by
        assert today < age_months_date(birth_month, 18)
        assert prompt.reason and prompt.title
        if prompt.status == UPCOMING:
            assert today < prompt.due_from
        if prompt.status == DUE:
            assert prompt.due_from <= today < prompt.due_by
        if prompt.status == PAST_DUE:
            assert prompt.kind == PATHWAY_PLAN and today >= prompt.due_by


@given(birth_months, days)
def test_only_care_leavers_get_the_pathway_prompt(birth_month, today):
    assert PATHWAY_PLAN not in kinds(transition_prompts(birth_month, today, care_leaver=False))


@given(birth_months, st.booleans())
def test_status_moves_forward_only(birth_month, care_leaver):
    """Day by day from 15 to 18½, each prompt goes upcoming → due (→ past due) → gone, never back."""
    order = {None: 0, UPCOMING: 1, DUE: 2, PAST_DUE: 3}
    start = age_months_date(birth_month, 15)
    seen: dict[str, int] = {}
    gone: set[str] = set()
    for offset in range(0, 3 * 366 + 200, 3):
        today = start + dt.timedelta(days=offset)
        current = kinds(transition_prompts(birth_month, today, care_leaver=care_leaver))
        for kind in (CARE_ACT, PATHWAY_PLAN):
            status = current.get(kind)
            if status is None:
                if kind in seen:
                    gone.add(kind)
                continue
            assert kind not in gone, f"{kind} came back on {today}"
            assert order[status] >= seen.get(kind, 0)
            seen[kind] = order[status]


# --- examples ----------------------------------------------------------------------------------


def test_dates_for_a_march_birth_month():
    assert care_act_due_from("2009-03") == D(2026, 9, 1)
    assert pathway_due_by("2009-03") == D(2025, 6, 1)
    assert care_act_due_from("2009-10") == D(2027, 4, 1)  # across a year end
    assert pathway_due_by("2009-11") == D(2026, 2, 1)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 6, 1), {}),  # more than 91 days before 17½
        (D(2026, 6, 2), {CARE_ACT: UPCOMING}),  # 91 days before 1 September 2026
        (D(2026, 8, 31), {CARE_ACT: UPCOMING}),
        (D(2026, 9, 1), {CARE_ACT: DUE}),
        (D(2027, 2, 28), {CARE_ACT: DUE}),
        (D(2027, 3, 1), {}),  # 18
    ],
)
def test_care_act_prompt_around_17_and_a_half(today, expected):
    assert kinds(transition_prompts("2009-03", today)) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2024, 11, 29), {}),
        (D(2024, 11, 30), {PATHWAY_PLAN: UPCOMING}),  # 91 days before 1 March 2025
        (D(2025, 3, 1), {PATHWAY_PLAN: DUE}),
        (D(2025, 5, 31), {PATHWAY_PLAN: DUE}),
        (D(2025, 6, 1), {PATHWAY_PLAN: PAST_DUE}),
        (D(2026, 9, 1), {PATHWAY_PLAN: PAST_DUE, CARE_ACT: DUE}),
        (D(2027, 3, 1), {}),
    ],
)
def test_pathway_prompt_for_a_care_leaver(today, expected):
    assert kinds(transition_prompts("2009-03", today, care_leaver=True)) == expected


def test_reasons_say_why_in_words():
    (care_act,) = transition_prompts("2009-03", D(2026, 10, 1))
    assert care_act.title == "Care Act transition assessment"
    assert "17½ on 1 September 2026" in care_act.reason and "18 on 1 March 2027" in care_act.reason
    (pathway,) = transition_prompts("2009-03", D(2025, 4, 1), care_leaver=True)
    assert "by 31 May 2025" in pathway.reason and pathway.due_by == D(2025, 6, 1)
    (late,) = transition_prompts("2009-03", D(2025, 7, 1), care_leaver=True)
    assert "check it was done" in late.reason


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="YYYY-MM"):
        transition_prompts("March 2009", D(2026, 1, 1))
    with pytest.raises(ValueError, match="YYYY-MM"):
        transition_prompts("2009-13", D(2026, 1, 1))
    with pytest.raises(ValueError, match="notice_days"):
        transition_prompts("2009-03", D(2026, 1, 1), notice_days=-1)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("leaving-care-personal-adviser", "Leaving Care Personal Advisers"), True),
        (("lc-pa", "Leaving care team"), True),
        (("leaving-care", ""), True),
        (("camhs", "Child and Adolescent Mental Health"), False),
        (("care-leaver-housing", "Housing for care leavers"), False),
        ((), False),
    ],
)
def test_leaving_care_services_are_known_by_code_or_name(names, expected):
    assert is_leaving_care_service(*names) is expected
