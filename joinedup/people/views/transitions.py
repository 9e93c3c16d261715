"""Transitions: the dashboard of cliff edges ahead, recomputing the forecasts, and agreeing a plan.

The dashboard reads stored edges only (``StoredEdge``, kept current by ``services`` and the
``forecast_all`` task); it never runs the engine in the request. Its partnership figures go
through disclosure control (``joinedup.domain.disclosure``, ADR 0012): the viewer's own
caseload is counted exactly; everyone else's counts from 1 to 4, and figures that would give
them away, are hidden.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_tasks import TaskResultStatus

from joinedup.directory.selectors import agency_choices
from joinedup.domain import disclosure
from joinedup.domain.transition_prompts import DUE, UPCOMING, transition_prompts
from joinedup.platform.access import Role, has_capability, require_capability
from joinedup.platform.charts import BarSeries, bar_chart
from joinedup.web.forms import GovukDateField, apply_service_errors

from .. import selectors, services
from ..models import BridgingReferral
from . import records  # noqa: F401  (registers the <ref:ref> converter used below)

PAGE_SIZE = 25
PROMPT_DAYS = 90
PROMPTS_SHOWN = 20
REVIEW_WEEKS = 12
REASONS = {"age_limit": "age limit", "planned": "planned end"}
ORDER_CHOICES = [("date", "Start date, soonest first"), ("date-desc", "Start date, latest first"), ("ref", "Reference")]


def _person_url(ref: str, name: str = "people:detail") -> str:
    """A young person's page URL without resolving the pattern for every row of a long table."""
    template = _URL_TEMPLATES.get(name)
    if template is None:
        template = _URL_TEMPLATES[name] = reverse(name, args=["YP-XXXXX"]).replace("YP-XXXXX", "{ref}")
    return template.format(ref=ref)


_URL_TEMPLATES: dict[str, str] = {}


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _number(value) -> str:
    value = Decimal(str(value)).normalize()
    return f"{value:f}"


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month_of(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year:04d}-{month + 1:02d}"


def _first_of(index: int) -> dt.date:
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, 1)


# --- the dashboard ------------------------------------------------------------------------------


class EdgeFilterForm(forms.Form):
    start_from = GovukDateField(label="Starting on or after", noun="the earliest start date", required=False)
    start_to = GovukDateField(label="Starting on or before", noun="the latest start date", required=False)
    agency = forms.TypedChoiceField(
        label="With a service ending from",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Select an agency from the list"},
    )
    area = forms.ChoiceField(
        label="Area", required=False, error_messages={"invalid_choice": "Select an area from the list"}
    )
    age_driven = forms.BooleanField(label="Only age-driven cliff edges", required=False)
    unbridged = forms.BooleanField(label="Only cliff edges with no adult or all-age service in place", required=False)
    order = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=ORDER_CHOICES,
        error_messages={"invalid_choice": "Select how to sort from the list"},
    )

    def __init__(self, *args, agencies, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "Any agency")] + [(a.pk, a.name) for a in agencies]
        self.fields["area"].choices = [("", "Any area")] + [(a, a) for a in areas]

    def clean(self):
        data = super().clean()
        start_from, start_to = data.get("start_from"), data.get("start_to")
        if start_from and start_to and start_to < start_from:
            self.add_error("start_to", "The latest start date must be the same as or after the earliest start date")
        return data

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "start_from": data["start_from"],
            "start_to": data["start_to"],
            "agency_id": data["agency"],
            "area": data["area"] or "",
            "age_driven_only": data["age_driven"],
            "unbridged_only": data["unbridged"],
            "order": data["order"] or "date",
        }


def _month_range(today: dt.date) -> tuple[int, int]:
    """The months ahead (DESIGN §6 cohort view): this month to the month of the last day in view."""
    first = _month_index(today)
    last = _month_index(today + dt.timedelta(days=settings.JOINEDUP_FORECAST_HORIZON_DAYS - 1))
    return first, last


def _months(user, today: dt.date, caseload, version):
    first, last = _month_range(today)
    everyone = selectors.partnership_month_counts(
        user, first=_first_of(first), stop=_first_of(last + 1), today=today, version=version
    )
    empty = selectors.MonthCounts()
    counts = {
        month: (caseload.months.get(month, empty), total - caseload.months.get(month, empty))
        for month, total in everyone.items()
    }
    rows = []
    empty = selectors.MonthCounts()
    lines = [disclosure.Line("edges", ("age", "not_age")), disclosure.Line("edges", ("unbridged", "bridged"))]
    for index in range(first, last + 1):
        month = _first_of(index)
        mine, others = counts.get(month, (empty, empty))
        shown = disclosure.protect(
            {
                "edges": others.edges,
                "age": others.age_driven,
                "not_age": others.edges - others.age_driven,
                "unbridged": others.unbridged,
                "bridged": others.edges - others.unbridged,
            },
            lines,
        )
        rows.append(
            {
                "month": month,
                "label": f"{calendar.month_name[month.month]} {month.year}",
                "mine": mine,
                "others": {
                    "edges": shown.shown("edges"),
                    "age_driven": shown.shown("age"),
                    "unbridged": shown.shown("unbridged"),
                },
            }
        )
    return rows


def _months_html(user, today: dt.date, caseload, version) -> str:
    """The chart of cliff edges per month and its two tables (transitions_months.html)."""
    months = _months(user, today, caseload, version)
    return render_to_string(
        "people/transitions_months.html",
        {
            "months": months,
            "chart": _chart(months),
            # The same table twice: the viewer's caseload, then everyone else's (protected) counts.
            "tables": [
                {"id": "mine-table", "caption": "Your caseload", "rows": [(r["label"], r["mine"]) for r in months]},
                {
                    "id": "others-table",
                    "caption": "Elsewhere in the partnership",
                    "rows": [(r["label"], r["others"]) for r in months],
                },
            ],
            "mine_total": sum(row["mine"].edges for row in months),
            "is_coordinator": user.role == "coordinator",
        },
    )


def _chart(rows) -> str:
    categories = [f"{row['month']:%b}\n{row['month']:%Y}" for row in rows]
    mine = [row["mine"].edges for row in rows]
    others = [row["others"]["edges"] for row in rows]
    total_mine = sum(mine)
    busiest = max(rows, key=lambda row: row["mine"].edges, default=None)
    summary = f"Your caseload: {total_mine} cliff edge{'s' if total_mine != 1 else ''} in these months"
    if busiest is not None and busiest["mine"].edges:
        summary += f", most in {busiest['label']} ({busiest['mine'].edges})"
    description = (
        f"Bar chart of young people with a cliff edge starting each month, {rows[0]['label']} to "
        f"{rows[-1]['label']}: solid bars for your caseload, hatched bars for elsewhere in the partnership. "
        f"{summary}. Elsewhere, numbers from 1 to 4 are shown as fewer than 5 and a number that would give "
        "one away is not shown. The tables below the chart give every figure."
    )
    return bar_chart(
        title="Cliff edges starting each month",
        description=description,
        categories=categories,
        series=[
            BarSeries("Your caseload", mine, "solid"),
            BarSeries("Elsewhere in the partnership", others, "hatched"),
        ],
        id_prefix="edges-chart",
    )


def _prompts(user, today: dt.date, glass):
    """Young people in the viewer's caseload with a transition prompt due in the next 90 days.

    Birth months fix the ages exactly (the birthday is the 1st of the birth month), so the
    candidates are chosen in SQL and counted there; only the shown few go through the rules."""
    now = _month_index(today)
    soon = _month_index(today + dt.timedelta(days=PROMPT_DAYS))
    candidates = selectors.prompt_candidates_for(
        user,
        glass=glass,
        ranges=[
            # Care Act assessment: from 17½ until 18 (and in the 90 days before 17½).
            (_month_of(now - 215), _month_of(soon - 210), False),
            # Pathway plan needs assessment: from 16 until 16 years 3 months, care leavers only.
            (_month_of(now - 194), _month_of(soon - 192), True),
        ],
    )
    # Each candidate has exactly one prompt due or coming (the birth-month ranges are exact and do
    # not overlap), and within a kind the oldest are due first: work out the first few of each.
    care_act_last = _month_of(soon - 210)
    kinds = [
        [c for c in candidates if c["birth_month"] <= care_act_last],
        [c for c in candidates if c["birth_month"] > care_act_last],
    ]
    found = []
    for kind in kinds:
        for row in kind[:PROMPTS_SHOWN]:
            for prompt in transition_prompts(
                row["birth_month"], today, care_leaver=row["care_leaver"], notice_days=PROMPT_DAYS
            ):
                if prompt.status in (UPCOMING, DUE):
                    found.append(
                        {
                            "ref": row["ref"],
                            "initials": row["initials"],
                            "prompt": prompt,
                            "url": _person_url(row["ref"]),
                        }
                    )
    found.sort(key=lambda item: (item["prompt"].due_from, item["ref"], item["prompt"].kind))
    return found[:PROMPTS_SHOWN], len(candidates)


def _visible_prompts(user, today: dt.date, glass):
    """The prompts to list (worked out at most once in a while per agency), each checked now."""
    shown, total = selectors.remember(
        ("dashboard-prompts", getattr(user, "agency_id", None), tuple(sorted(glass)), today),
        lambda: _prompts(user, today, glass),
    )
    visible = selectors.visible_refs(user, [item["ref"] for item in shown])
    return [item for item in shown if item["ref"] in visible], total


def _edge_rows(edges, today: dt.date):
    return [
        {
            **edge,
            "url": _person_url(edge["ref"]),
            "plan_url": _person_url(edge["ref"], "people:plan-agree") + f"?start={edge['start']:%Y-%m-%d}",
            "exits": [dict(x, reason=REASONS.get(x["reason"], x["reason"])) for x in edge["exits"]],
            "bridging_needed": _number(edge["bridging_needed"] or 0),
            "started": edge["start"] <= today,
        }
        for edge in edges
    ]


ORDER_KEYS = {
    "date": lambda row: (row.start, row.ref, row.pk),
    "date-desc": lambda row: (-row.start.toordinal(), row.ref, row.pk),
    "ref": lambda row: (row.ref, row.start, row.pk),
}


def _filtered(
    user,
    rows,
    *,
    start_from=None,
    start_to=None,
    agency_id=None,
    area="",
    age_driven_only=False,
    unbridged_only=False,
    order="date",
):
    """The viewer's edges that pass the list's filters, in the chosen order."""
    if not (start_from or start_to or area or age_driven_only or unbridged_only):
        kept = list(rows)
    else:
        kept = [
            row
            for row in rows
            if (start_from is None or row.start >= start_from)
            and (start_to is None or row.start <= start_to)
            and (not area or row.area == area)
            and (not age_driven_only or row.age_driven)
            and (not unbridged_only or not row.bridged)
        ]
    if agency_id is not None:
        with_exit = selectors.edge_ids_with_exit_from(user, agency_id)
        kept = [row for row in kept if row.pk in with_exit]
    if order not in ORDER_KEYS or order == "date":
        return kept  # the rows come soonest first
    return sorted(kept, key=ORDER_KEYS[order])


@require_capability("transitions.dashboard")
@require_GET
@never_cache
def dashboard(request):
    user = request.user
    today = timezone.localdate()
    version = selectors.edges_version()
    glass = selectors.break_glass_ids(user)
    first, last = _month_range(today)
    caseload = selectors.dashboard_caseload_for(
        user, today=today, first=_first_of(first), stop=_first_of(last + 1), version=version, glass=glass
    )
    form = EdgeFilterForm(request.GET or None, agencies=agency_choices(), areas=caseload.areas)
    filters = form.filters()
    listed = _filtered(user, caseload.rows, **filters)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    months_html = selectors.remember(
        ("dashboard-months", getattr(user, "agency_id", None), user.role, tuple(sorted(glass)), today, version),
        lambda: _months_html(user, today, caseload, version),
    )
    prompts, prompt_total = _visible_prompts(user, today, glass)
    edges = selectors.dashboard_edges_by_id(user, [row.pk for row in page.object_list])
    return render(
        request,
        "people/transitions_dashboard.html",
        {
            "form": form,
            "filtered": bool(filters) and any(value not in (None, "", False, "date") for value in filters.values()),
            "page": page,
            "rows": _edge_rows(edges, today),
            "query": query.urlencode(),
            "months_html": months_html,
            "prompts": prompts,
            "prompt_total": prompt_total,
            "prompt_days": PROMPT_DAYS,
            "run": selectors.latest_forecast_run(),
            "can_run": has_capability(user, "transitions.forecast.run"),
            "today": today,
            "window_days": settings.JOINEDUP_FORECAST_WINDOW_DAYS,
            "min_exits": settings.JOINEDUP_FORECAST_MIN_EXITS,
            "min_drop_percent": round(settings.JOINEDUP_FORECAST_MIN_DROP * 100),
        },
    )


# --- recomputing every forecast ---------------------------------------------------------------


@require_capability("transitions.forecast.run")
@require_http_methods(["GET", "POST"])
@never_cache
def forecast_run(request):
    """The forecast runs so far, and a button to recompute everyone now (it also runs nightly)."""
    if request.method == "POST":
        result = services.forecast_run_request(actor=request.user)
        if result.status == TaskResultStatus.SUCCESSFUL:
            figures = result.return_value
            # A partnership-wide edge total only for administrators, who have no dashboard: beside
            # the dashboard's exact caseload counts it would let a "fewer than 5" be worked out (ADR 0012).
            found = f", {figures['edges']} cliff edges" if request.user.role == Role.ADMIN else ""
            messages.success(request, f"Every forecast was recomputed: {figures['people']} young people{found}.")
        elif result.status == TaskResultStatus.FAILED:
            messages.error(request, "The forecasts could not be recomputed. Try again, or ask your administrator.")
        else:
            messages.success(
                request,
                "Every forecast will be recomputed in the next minute or so. "
                "The time of the last run below changes when it has finished.",
            )
        if request.POST.get("back") == "dashboard" and has_capability(request.user, "transitions.dashboard"):
            return redirect("transitions:dashboard")
        return redirect("transitions:forecast")
    # Administrators see no dashboard, so for them a run's edge total reveals nothing; coordinators
    # could set it against the dashboard's months (ADR 0012).
    show_edge_totals = request.user.role == Role.ADMIN
    return render(
        request,
        "people/transitions_forecast.html",
        {"runs": selectors.forecast_runs(), "show_edge_totals": show_edge_totals},
    )


# --- agreeing a plan for one cliff edge -------------------------------------------------------


class PlanAgreeForm(forms.Form):
    """One agreed end date per involvement that may move, one referral per suggested service,
    a review date and notes. The fields are made from the edge (``ends`` and ``suggestions``)."""

    review_date = GovukDateField(
        label="Review date",
        noun="the review date",
        help_text="When the plan will be looked at again. For example, 27 3 2026",
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        help_text="What was agreed and with whom, in plain words. Include the young person’s own view.",
        error_messages={"max_length": "Notes must be 5,000 characters or fewer"},
    )

    STATUSES = [
        *BridgingReferral.Status.choices,
        ("none", "Leave out of this plan"),
    ]

    def __init__(self, *args, ends, suggestions, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.ends = ends
        self.suggestions = suggestions
        fields = {}
        for end in ends:
            involvement = end["involvement"]
            fields[f"end_{involvement.pk}"] = GovukDateField(
                label=f"{involvement.service.name}: agreed end",
                noun=f"the agreed end of {involvement.service.name}",
                help_text=f"It ends on {_day(end['current'])} now and can be put back by up to "
                f"{end['limit_days']} days, to {_day(end['latest'])}. For example, {end['proposed'].day} "
                f"{end['proposed'].month} {end['proposed'].year}",
                initial=end["proposed"],
            )
        for suggestion in suggestions:
            code = suggestion["service"].code
            fields[f"referral_{code}"] = forms.ChoiceField(
                label=f"{suggestion['service'].name}: referral",
                choices=self.STATUSES,
                widget=forms.RadioSelect,
                initial=suggestion.get("status", BridgingReferral.Status.SUGGESTED),
                help_text=suggestion["why"],
                error_messages={
                    "required": f"Select what is happening with a referral to {suggestion['service'].name}",
                    "invalid_choice": "Select suggested, referred, accepted, declined or leave it out",
                },
            )
            fields[f"reason_{code}"] = forms.CharField(
                label=f"Why, for {suggestion['service'].name}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
                initial=suggestion.get("reason", ""),
                error_messages={"max_length": "The reason must be 2,000 characters or fewer"},
            )
        ordered = {**fields, "review_date": self.fields["review_date"], "notes": self.fields["notes"]}
        self.fields = ordered

    def clean(self):
        data = super().clean()
        for end in self.ends:
            involvement = end["involvement"]
            name = f"end_{involvement.pk}"
            value = data.get(name)
            if value is None:
                continue
            if value < end["current"]:
                self.add_error(
                    name,
                    f"The agreed end of {involvement.service.name} cannot be earlier than {_day(end['current'])}, "
                    "when it ends now",
                )
            elif value > end["latest"]:
                self.add_error(
                    name,
                    f"{involvement.service.name} can be put back by at most {end['limit_days']} days: "
                    f"choose {_day(end['latest'])} or earlier",
                )
        review = data.get("review_date")
        if review is not None and review <= self.today:
            self.add_error("review_date", "The review date must be in the future")
        return data

    def field_groups(self):
        ends = [self[f"end_{end['involvement'].pk}"] for end in self.ends]
        referrals = [
            (s, self[f"referral_{s['service'].code}"], self[f"reason_{s['service'].code}"]) for s in self.suggestions
        ]
        return ends, referrals


def _plan_parts(person, edge, today: dt.date):
    """What the page needs about one edge: its exits matched to involvements (those that may move,
    with the proposed new end, and those that cannot), the proposal's changes and the suggestions."""
    detail = edge.detail or {}
    plan = detail.get("plan") or {}
    proposed = {(c["service_id"], c["from"]): dt.date.fromisoformat(c["to"]) for c in plan.get("changes", [])}
    involvements = list(selectors.involvements_of(person))
    movable, fixed, changes = [], [], []
    for exit_ in edge.exits.all():
        match = next(
            (inv for inv in involvements if inv.service_id == exit_.service_id and inv.effective_end == exit_.date),
            None,
        )
        service = exit_.service
        reason = REASONS.get(exit_.reason, exit_.reason)
        if match is None:
            fixed.append({"service": service, "date": exit_.date, "why": "it has changed since the forecast"})
            continue
        ended = match.actual_end is not None and match.actual_end <= today
        limit = int(service.max_extension_days or 0)
        if ended:
            fixed.append({"service": service, "date": exit_.date, "why": "it has already ended"})
        elif limit < 7:
            what = "the age limit" if exit_.reason == "age_limit" else "a planned end"
            how = "cannot be extended" if limit == 0 else "can be extended by less than a week"
            fixed.append({"service": service, "date": exit_.date, "why": f"{what}, and {service.name} {how}"})
        else:
            to = proposed.get((service.code, exit_.date.isoformat()), exit_.date)
            movable.append(
                {
                    "involvement": match,
                    "current": exit_.date,
                    "latest": exit_.date + dt.timedelta(days=limit),
                    "limit_days": limit,
                    "proposed": to,
                    "reason": reason,
                }
            )
            if to != exit_.date:
                weeks = (to - exit_.date).days // 7
                changes.append(
                    {
                        "service": service,
                        "from": exit_.date,
                        "to": to,
                        "weeks": weeks,
                        "why": f"putting it back {weeks} week{'s' if weeks != 1 else ''} spaces out the endings, "
                        f"so less support is lost in any {settings.JOINEDUP_FORECAST_WINDOW_DAYS} days",
                    }
                )
    by_code = selectors.services_by_code(s["service_id"] for s in detail.get("suggestions", []))
    suggestions = [
        {"service": by_code[s["service_id"]], "why": s["reason"], "reason": s["reason"]}
        for s in detail.get("suggestions", [])
        if s["service_id"] in by_code
    ]
    return {
        "movable": movable,
        "fixed": fixed,
        "changes": changes,
        "suggestions": suggestions,
        "resolved": plan.get("resolved"),
        "bridging_needed": _number(plan.get("bridging_needed") or 0),
        "has_plan": bool(plan),
        "exits": [
            {"service": x.service, "date": x.date, "reason": REASONS.get(x.reason, x.reason)} for x in edge.exits.all()
        ],
    }


def _edge_start(request) -> dt.date | None:
    text = request.GET.get("start") or request.GET.get("edge") or ""
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@require_capability("people.record.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def plan_agree(request, ref: str):
    access = services.young_person_open(actor=request.user, ref=ref)
    person = access.person
    edge = selectors.stored_edge_of(request.user, person, _edge_start(request))
    today = timezone.localdate()
    parts = _plan_parts(person, edge, today)
    form = PlanAgreeForm(
        request.POST if request.method == "POST" else None,
        ends=parts["movable"],
        suggestions=parts["suggestions"],
        today=today,
        initial={"review_date": today + dt.timedelta(weeks=REVIEW_WEEKS)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ends = [
            services.AgreedEnd(involvement=end["involvement"], to_date=data[f"end_{end['involvement'].pk}"])
            for end in parts["movable"]
        ]
        referrals = [
            services.Referral(
                service=s["service"],
                status=data[f"referral_{s['service'].code}"],
                reason=data[f"reason_{s['service'].code}"].strip(),
            )
            for s in parts["suggestions"]
            if data[f"referral_{s['service'].code}"] != "none"
        ]
        try:
            services.transition_plan_agree(
                actor=request.user,
                young_person=person,
                edge_start=edge.start,
                edge_end=edge.end,
                review_date=data["review_date"],
                ends=ends,
                referrals=referrals,
                notes=data["notes"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _after_agreeing(request.user, person, edge))
            return redirect(reverse("people:detail", args=[person.ref]) + "#plans")
    ends, referrals = form.field_groups()
    return render(
        request,
        "people/transitions_plan_agree.html",
        {
            "person": person,
            "edge": edge,
            "last_day": edge.end - dt.timedelta(days=1),
            "parts": parts,
            "form": form,
            "end_fields": ends,
            "referral_fields": referrals,
            "window_days": settings.JOINEDUP_FORECAST_WINDOW_DAYS,
        },
    )


def _after_agreeing(user, person, edge) -> str:
    """What the recomputed forecast says about the edge the plan was for."""
    remaining = [
        e
        for e in selectors.stored_edges_of(person)
        if e.start < edge.end + dt.timedelta(days=365) and e.end > edge.start
    ]
    if not remaining:
        return f"Plan agreed for {person.ref}. The forecast was recomputed: no cliff edge is left around {_day(edge.start)}."
    first = remaining[0]
    return (
        f"Plan agreed for {person.ref}. The forecast was recomputed: a cliff edge is still forecast from "
        f"{_day(first.start)}. The bridging referrals in the plan are what can close it."
    )


# /transitions/... (joinedup/people/urls_transitions.py, namespace "transitions")
urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("forecast/", forecast_run, name="forecast"),
]
# /young-people/<ref>/plan/ (joinedup/people/urls.py, namespace "people")
person_urlpatterns = [
    path("<ref:ref>/plan/", plan_agree, name="plan-agree"),
]
