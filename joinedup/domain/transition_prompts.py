"""Transition prompts: statutory steps that fall due at set ages (issue 3, "Transition prompts").

Pure Python, no Django. The young person page and the transitions dashboard both call
``transition_prompts``; the rules are here once.

- **Care Act transition assessment**, due from 17½: from the day the young person is taken to
  turn 17 years 6 months until the day before they turn 18 it is *due*; in the ``notice_days``
  before 17½ it is *upcoming*. At 18 the prompt stops (an assessment after 18 is an ordinary
  adult Care Act assessment, not a transition one). It applies to every young person: whether
  adult care and support is likely is a professional judgement, so the prompt asks, it does not
  decide (DESIGN §3.1).
- **Pathway plan needs assessment**, by 16 years 3 months, for care leavers: only when
  ``care_leaver`` (the person has an involvement with a leaving-care service, see
  ``is_leaving_care_service``). From 16 until the day before 16 years 3 months it is *due*; in
  the ``notice_days`` before 16 it is *upcoming*; from 16 years 3 months until the day before 18
  it is *past_due* ("it was due by …: check it was done"). At 18 the prompt stops.

Ages follow DESIGN §6: the birthday is the 1st of the birth month, so age-A-and-M-months is the
1st of the month M months after the birth month, A years later. Nothing here knows whether an
assessment was done: prompts are reminders with their reason, never a judgement about a child.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CARE_ACT = "care_act_transition_assessment"
PATHWAY_PLAN = "pathway_plan_needs_assessment"

UPCOMING = "upcoming"
DUE = "due"
PAST_DUE = "past_due"

NOTICE_DAYS = 91  # about three months' warning
LEAVING_CARE_MARKERS = ("leaving-care", "leaving care")


@dataclass(frozen=True, slots=True)
class Prompt:
    kind: str  # CARE_ACT or PATHWAY_PLAN
    title: str
    status: str  # UPCOMING, DUE or PAST_DUE
    due_from: dt.date  # the first day the step is due
    due_by: dt.date  # the first day it is late (exclusive), or when the prompt stops
    reason: str


def _birth(birth_month: str) -> tuple[int, int]:
    try:
        year_text, month_text = birth_month.split("-")
        year, month = int(year_text), int(month_text)
    except (AttributeError, ValueError):
        raise ValueError(f"Birth month must look like YYYY-MM, not {birth_month!r}") from None
    if not 1 <= month <= 12 or not 1 <= year <= 9000:
        raise ValueError(f"Birth month must look like YYYY-MM, not {birth_month!r}")
    return year, month


def age_months_date(birth_month: str, years: int, months: int = 0) -> dt.date:
    """The day a young person born in ``birth_month`` is taken to reach ``years`` and ``months``."""
    year, month = _birth(birth_month)
    index = (year + years) * 12 + (month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def care_act_due_from(birth_month: str) -> dt.date:
    """17½: when a Care Act transition assessment falls due."""
    return age_months_date(birth_month, 17, 6)


def pathway_due_by(birth_month: str) -> dt.date:
    """16 years 3 months: when a care leaver's pathway plan needs assessment should be done by."""
    return age_months_date(birth_month, 16, 3)


def is_leaving_care_service(*names: str) -> bool:
    """True when a service's code or name marks it as a leaving-care service.

    The directory has no flag for it, so the rule is by name: a service whose code or name
    contains "leaving-care" or "leaving care" (any case), such as ``leaving-care-personal-adviser``
    or "Leaving Care Personal Advisers" (docs/glossary.md, "Leaving-care service")."""
    return any(marker in (name or "").lower() for name in names for marker in LEAVING_CARE_MARKERS)


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _status(today: dt.date, notice_from: dt.date, due_from: dt.date, due_by: dt.date, stop: dt.date) -> str | None:
    if today < notice_from or today >= stop:
        return None
    if today < due_from:
        return UPCOMING
    if today < due_by:
        return DUE
    return PAST_DUE


def transition_prompts(
    birth_month: str, today: dt.date, *, care_leaver: bool = False, notice_days: int = NOTICE_DAYS
) -> tuple[Prompt, ...]:
    """The prompts that apply to a young person on ``today``, soonest due first."""
    if notice_days < 0:
        raise ValueError("notice_days must be 0 or more")
    eighteen = age_months_date(birth_month, 18)
    prompts: list[Prompt] = []
    if care_leaver:
        sixteen = age_months_date(birth_month, 16)
        due_by = pathway_due_by(birth_month)
        status = _status(today, sixteen - dt.timedelta(days=notice_days), sixteen, due_by, eighteen)
        if status is not None:
            if status == PAST_DUE:
                reason = (
                    f"They have a leaving-care service. The needs assessment for their pathway plan was due by "
                    f"{_day(due_by - dt.timedelta(days=1))}, when they were 16 years 3 months: check it was done."
                )
            else:
                reason = (
                    f"They have a leaving-care service. The needs assessment for their pathway plan is due from "
                    f"their 16th birthday ({_day(sixteen)}) and should be done by "
                    f"{_day(due_by - dt.timedelta(days=1))}, before they are 16 years 3 months."
                )
            prompts.append(Prompt(PATHWAY_PLAN, "Pathway plan needs assessment", status, sixteen, due_by, reason))
    due_from = care_act_due_from(birth_month)
    status = _status(today, due_from - dt.timedelta(days=notice_days), due_from, eighteen, eighteen)
    if status is not None:
        verb = "is due now" if status == DUE else "will be due"
        reason = (
            f"They are taken to turn 17½ on {_day(due_from)}: a Care Act transition assessment {verb}, "
            f"so any adult care and support is in place before they turn 18 on {_day(eighteen)}."
        )
        prompts.append(Prompt(CARE_ACT, "Care Act transition assessment", status, due_from, eighteen, reason))
    prompts.sort(key=lambda p: (p.due_from, p.kind))
    return tuple(prompts)
