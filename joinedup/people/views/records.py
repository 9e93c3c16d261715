"""Young people's records: search, the signpost, the record page and its forms, break-glass.

Every page about one young person opens the record through ``services.young_person_open``,
which decides full record or signpost and audits the view. Pages that show personal data are
never cached.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, register_converter, reverse
from django.utils import dateformat, timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from joinedup.domain.transition_prompts import is_leaving_care_service, transition_prompts
from joinedup.platform.access import has_capability, require_capability
from joinedup.web.forms import apply_service_errors

from .. import selectors, services, timeline
from ..forms import (
    AgencyReferenceForm,
    BreakGlassForm,
    BridgingReferralStatusForm,
    EndInvolvementForm,
    InvolvementForm,
    SearchForm,
    SharingDecisionForm,
    VoiceForm,
    YoungPersonForm,
    scale_words,
)

PAGE_SIZE = 50
REASONS = {"age_limit": "Age limit", "planned": "Planned end"}


def _posted(request):
    return request.POST if request.method == "POST" else None


def _open(request, ref: str, *, full: bool = True) -> services.RecordAccess:
    """Open (and audit) the record; refuse a page that needs the full record to a signpost viewer."""
    access = services.young_person_open(actor=request.user, ref=ref)
    if full and access.level != "full":
        raise PermissionDenied(f"Your agency is not involved with {access.person.ref}")
    return access


def _detail(person):
    return redirect("people:detail", ref=person.ref)


def _plan_agree_url(ref: str, edge_start: dt.date) -> str | None:
    """The transitions area's "agree a plan" page, once it exists."""
    try:
        return reverse("people:plan-agree", args=[ref]) + f"?edge={edge_start.isoformat()}"
    except NoReverseMatch:
        return None


def _short_date(day: dt.date | None, empty: str) -> str:
    """``{{ day|date:"j M Y"|default:empty }}``, without the template machinery."""
    return dateformat.format(day, "j M Y") if day else empty


def _number(value) -> str:
    if value is None:
        return ""
    value = Decimal(str(value)).normalize()
    return f"{value:f}"


# --- search ---------------------------------------------------------------------------------


@require_capability("people.search")
@require_GET
@never_cache
def search(request):
    form = SearchForm(request.GET if "q" in request.GET else None)
    results = None
    initials_note = False
    if form.is_bound and form.is_valid() and (form.cleaned_data["q"] or "").strip():
        birth_month = form.cleaned_data["birth_month"] or ""
        results = services.young_person_search(
            actor=request.user, query=form.cleaned_data["q"], birth_month=birth_month
        )
        initials_note = form.looks_like_initials() and not birth_month
    page = Paginator(selectors.caseload_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "results": results,
            "initials_note": initials_note,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "can_edit": has_capability(request.user, "people.record.edit"),
        },
    )


# --- the record -----------------------------------------------------------------------------


def _signpost(request, access, **extra):
    person = access.person
    user = request.user
    context = {
        "person": person,
        "agencies": selectors.involved_agencies(person),
        "can_break_glass": has_capability(user, "people.break_glass"),
        "can_edit": has_capability(user, "people.record.edit"),
        "has_services": selectors.services_for_involvement(user).filter(agency_id=user.agency_id).exists(),
        "break_glass_form": BreakGlassForm(),
        "break_glass_until": timezone.localtime() + dt.timedelta(hours=settings.JOINEDUP_BREAK_GLASS_HOURS),
        "break_glass_hours": settings.JOINEDUP_BREAK_GLASS_HOURS,
    }
    context.update(extra)
    return render(request, "people/signpost.html", context)


def _involvement_row(involvement, user, person, today, access, can_edit):
    service = involvement.service
    end = involvement.effective_end
    age_end = person.turns(service.ends_at_age) if service.ends_at_age is not None else None
    if end is None:
        why = "No set end"
        reason = timeline.OPEN
    elif age_end is not None and end == age_end:
        why = f"Age limit ({service.ends_at_age})"
        reason = timeline.AGE_LIMIT
    elif involvement.actual_end is not None:
        why = "Ended" if involvement.actual_end <= today else "Actual end recorded"
        reason = timeline.PLANNED
    else:
        why = "Planned end"
        reason = timeline.PLANNED
    weight = involvement.resolved_weight if involvement.resolved_weight is not None else Decimal(1)
    can_change = services.involvement_can_change(user, involvement, access=access)
    args = (person.ref, involvement.pk)
    return {
        "involvement": involvement,
        "service": service,
        "effective_end": end,
        "why": why,
        "reason": reason,
        "weight": _number(weight),
        "weight_is_default": involvement.weight is None,
        "weight_value": float(weight),
        "ended": end is not None and end <= today,
        "can_change": can_change,
        # Formatted here rather than with the template's date filter and url tag: the same text,
        # for a fraction of the cost, on the page's longest table.
        "start_text": _short_date(involvement.start, ""),
        "planned_end_text": _short_date(involvement.planned_end, "None"),
        "actual_end_text": _short_date(involvement.actual_end, "None"),
        "effective_end_text": _short_date(end, "No set end"),
        "edit_url": reverse("people:involvement-edit", args=args) if can_change and can_edit else None,
        "end_url": (
            reverse("people:involvement-end", args=args)
            if can_change and can_edit and not involvement.actual_end
            else None
        ),
    }


def _edge_view(edge, services_by_code, plans_by_start, person):
    detail = edge.detail or {}

    def service_name(code):
        service = services_by_code.get(code)
        return (service.name, service.agency.name) if service else (code, "")

    plan = detail.get("plan")
    plan_view = None
    if plan is not None:
        changes = []
        for change in plan.get("changes", []):
            name, agency = service_name(change["service_id"])
            old, new = dt.date.fromisoformat(change["from"]), dt.date.fromisoformat(change["to"])
            changes.append({"service": name, "agency": agency, "from": old, "to": new, "weeks": (new - old).days // 7})
        plan_view = {
            "resolved": plan.get("resolved"),
            "changes": changes,
            "extension_days": plan.get("extension_days", 0),
            "bridging_needed": _number(plan.get("bridging_needed", 0)),
            "exact": detail.get("plan_exact", True),
        }
    suggestions = []
    for suggestion in detail.get("suggestions", []):
        name, agency = service_name(suggestion["service_id"])
        suggestions.append(
            {
                "name": name,
                "agency": agency,
                "reason": suggestion["reason"],
                "service": services_by_code.get(suggestion["service_id"]),
            }
        )
    exits = [
        {"service": x.service.name, "agency": x.agency.name, "date": x.date, "reason": REASONS.get(x.reason, x.reason)}
        for x in edge.exits.all()
    ]
    return {
        "edge": edge,
        "last_day": edge.end - dt.timedelta(days=1),
        "before": _number(edge.support_before),
        "after": _number(edge.support_after),
        "exits": exits,
        "plan": plan_view,
        "suggestions": suggestions,
        "agreed": plans_by_start.get(edge.start),
        "plan_url": _plan_agree_url(person.ref, edge.start),
    }


def _referral_form(data, referral) -> BridgingReferralStatusForm:
    form = BridgingReferralStatusForm(data, initial={"status": referral.status}, prefix=f"referral-{referral.pk}")
    form.fields["status"].label = f"Status of the referral to {referral.service.name}"
    return form


def _record_context(request, access, **extra) -> dict:
    user = request.user
    person = access.person
    today = timezone.localdate()
    eighteenth = person.turns(18)
    involvements = list(selectors.involvements_of(person))
    can_edit = has_capability(user, "people.record.edit")
    rows = [_involvement_row(i, user, person, today, access, can_edit) for i in involvements]
    bars = [
        timeline.Bar(
            label=row["service"].name,
            agency=row["service"].agency.name,
            start=row["involvement"].start,
            end=row["effective_end"],
            weight=row["weight_value"],
            reason=row["reason"],
        )
        for row in rows
    ]
    edges = [edge for edge in selectors.stored_edges_of(person) if edge.end > today]
    codes = set()
    for edge in edges:
        detail = edge.detail or {}
        codes.update(s["service_id"] for s in detail.get("suggestions", []))
        codes.update(c["service_id"] for c in (detail.get("plan") or {}).get("changes", []))
    # The services of the young person's own involvements (read above, with their agencies) are
    # not read again; suggestions are mostly other services.
    known = {i.service.code: i.service for i in involvements}
    by_code = {code: known[code] for code in codes if code in known}
    by_code.update(selectors.services_by_code(codes - set(by_code)))
    plans = list(selectors.transition_plans_of(person))
    agreed = {plan.edge_start: plan for plan in plans if plan.status == plan.Status.AGREED}
    lo, hi = timeline.chart_range(bars, today, eighteenth)
    involved = selectors.who_is_involved(person, involvements)
    referral_forms = {}
    for plan in plans:
        for referral in plan.bridging_referrals.all():
            referral_forms[referral.pk] = _referral_form(None, referral)
    context = {
        "person": person,
        "access": access,
        "today": today,
        "age": person.age_on(today),
        "eighteenth": eighteenth,
        "needs": [str(need).capitalize() for need in person.needs.all()],
        "rows": rows,
        "svg": timeline.render_svg(
            bars,
            today=today,
            eighteenth=eighteenth,
            edges=[(edge.start, edge.end) for edge in edges],
            ref=person.ref,
        ),
        "steps": [(step, _number(step.support)) for step in timeline.support_steps(bars, lo, hi)],
        "edges": [_edge_view(edge, by_code, agreed, person) for edge in edges],
        "prompts": transition_prompts(
            person.birth_month,
            today,
            care_leaver=any(is_leaving_care_service(i.service.code, i.service.name) for i in involvements),
        ),
        "voice": [(entry, scale_words(entry.scale)) for entry in selectors.voice_entries_of(person)],
        "sharing": list(selectors.sharing_decisions_of(person)),
        "involved": involved,
        "plans": [(plan, [(r, referral_forms.get(r.pk)) for r in plan.bridging_referrals.all()]) for plan in plans],
        "can_edit": can_edit,
        "user_agency_has_reference": any(
            item.agency.pk == user.agency_id and item.case_references for item in involved
        ),
        "revealed_name": None,
    }
    context.update(extra)
    return context


@require_capability("people.search")
@require_GET
@never_cache
def detail(request, ref: str):
    access = _open(request, ref, full=False)
    if access.level != "full":
        return _signpost(request, access)
    return render(request, "people/record.html", _record_context(request, access))


@require_capability("people.search")
@require_POST
@never_cache
def name_reveal(request, ref: str):
    """Show the full name on this response only (never in a URL), and audit the reveal."""
    access = _open(request, ref)
    name = services.young_person_name_reveal(actor=request.user, young_person=access.person)
    return render(
        request,
        "people/record.html",
        _record_context(request, access, revealed_name=name, name_revealed=True),
    )


# --- break-glass ----------------------------------------------------------------------------


@require_capability("people.break_glass")
@require_http_methods(["GET", "POST"])
@never_cache
def break_glass(request, ref: str):
    access = _open(request, ref, full=False)
    person = access.person
    if selectors.agency_is_involved(request.user.agency_id, person):
        messages.info(request, f"Your agency is involved with {person.ref}: you can see the record without break-glass")
        return _detail(person)
    form = BreakGlassForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.break_glass_open(
                actor=request.user, young_person=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            until = timezone.localtime(grant.expires_at)
            messages.success(
                request, f"You can see {person.ref}’s record until {until:%H:%M} on {until.day} {until:%B %Y}"
            )
            return _detail(person)
    return render(
        request,
        "people/break_glass.html",
        {
            "person": person,
            "form": form,
            "agencies": selectors.involved_agencies(person),
            "active": access.break_glass or selectors.active_break_glass(request.user, person),
            "until": timezone.localtime() + dt.timedelta(hours=settings.JOINEDUP_BREAK_GLASS_HOURS),
            "hours": settings.JOINEDUP_BREAK_GLASS_HOURS,
        },
    )


@require_capability("people.break_glass.report")
@require_GET
@never_cache
def break_glass_report(request):
    page = Paginator(selectors.break_glass_report_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/break_glass_report.html",
        {"page": page, "now": timezone.now(), "can_open": has_capability(request.user, "people.search")},
    )


# --- young people ---------------------------------------------------------------------------


@require_capability("people.record.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def young_person_add(request):
    form = YoungPersonForm(_posted(request), initial={"lead_agency": request.user.agency_id})
    if request.method == "POST" and form.is_valid():
        try:
            person = services.young_person_create(
                actor=request.user,
                needs=form.cleaned_data["needs"],
                name=form.cleaned_data["name"],
                local_id=form.cleaned_data["local_id"],
                **form.person_fields(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{person.ref} added. Give this reference to other agencies to find them.")
            return _detail(person)
    return render(request, "people/young_person_form.html", {"form": form, "person": None})


@require_capability("people.record.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def young_person_edit(request, ref: str):
    person = _open(request, ref).person
    form = YoungPersonForm(_posted(request), person=person)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.young_person_update(
                actor=request.user,
                young_person=person,
                needs=form.cleaned_data["needs"],
                name=form.name_change(),
                **form.person_fields(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Changes to {person.ref} saved")
            return _detail(person)
    return render(request, "people/young_person_form.html", {"form": form, "person": person})


@require_capability("people.record.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def agency_reference_add(request, ref: str):
    person = _open(request, ref, full=False).person
    form = AgencyReferenceForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_reference_add(
                actor=request.user, young_person=person, local_id=form.cleaned_data["local_id"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{request.user.agency}’s case reference added to {person.ref}")
            return _detail(person)
    return render(request, "people/agency_reference_form.html", {"form": form, "person": person})


# --- involvements ---------------------------------------------------------------------------


@require_capability("people.record.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def involvement_add(request, ref: str):
    access = _open(request, ref, full=False)
    person = access.person
    form = InvolvementForm(_posted(request), user=request.user, own_agency_only=access.level != "full")
    if request.method == "POST" and form.is_valid():
        try:
            involvement = services.involvement_create(
                actor=request.user, young_person=person, **form.involvement_fields()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{involvement.service.name} added to {person.ref}’s support")
            return _detail(person)
    return render(
        request,
        "people/involvement_form.html",
        {"form": form, "person": person, "involvement": None, "full": access.level == "full"},
    )


def _changeable_involvement(request, ref: str, pk: int):
    person = _open(request, ref).person
    involvement = selectors.involvement_for(request.user, person, pk)
    if not services.involvement_can_change(request.user, involvement):
        raise PermissionDenied("You can change involvements only with your own agency’s services")
    return person, involvement


@require_capability("people.record.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def involvement_edit(request, ref: str, pk: int):
    person, involvement = _changeable_involvement(request, ref, pk)
    form = InvolvementForm(_posted(request), user=request.user, involvement=involvement)
    if request.method == "POST" and form.is_valid():
        try:
            services.involvement_update(actor=request.user, involvement=involvement, **form.involvement_fields())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Changes to {involvement.service.name} saved")
            return _detail(person)
    return render(
        request,
        "people/involvement_form.html",
        {"form": form, "person": person, "involvement": involvement, "full": True},
    )


@require_capability("people.record.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def involvement_end(request, ref: str, pk: int):
    person, involvement = _changeable_involvement(request, ref, pk)
    form = EndInvolvementForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.involvement_end(
                actor=request.user, involvement=involvement, actual_end=form.cleaned_data["actual_end"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{involvement.service.name} recorded as ended")
            return _detail(person)
    return render(request, "people/involvement_end.html", {"form": form, "person": person, "involvement": involvement})


# --- sharing decisions, voice and bridging referrals ----------------------------------------


@require_capability("people.record.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def sharing_decision_add(request, ref: str):
    person = _open(request, ref).person
    form = SharingDecisionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.sharing_decision_record(actor=request.user, young_person=person, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Sharing decision recorded")
            return redirect(reverse("people:detail", args=[person.ref]) + "#sharing")
    return render(request, "people/sharing_decision_form.html", {"form": form, "person": person})


@require_capability("people.record.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def voice_add(request, ref: str):
    person = _open(request, ref).person
    form = VoiceForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.voice_record(actor=request.user, young_person=person, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{person.ref}’s views recorded")
            return redirect(reverse("people:detail", args=[person.ref]) + "#voice")
    return render(request, "people/voice_form.html", {"form": form, "person": person})


@require_capability("people.record.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def referral_status(request, ref: str, pk: int):
    person = _open(request, ref).person
    referral = selectors.bridging_referral_for(request.user, person, pk)
    form = _referral_form(_posted(request), referral)
    if request.method == "POST" and form.is_valid():
        try:
            services.bridging_referral_update(actor=request.user, referral=referral, status=form.cleaned_data["status"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{referral.service.name}: referral status saved")
            return redirect(reverse("people:detail", args=[person.ref]) + "#plans")
    return render(request, "people/referral_status_form.html", {"form": form, "person": person, "referral": referral})


class RefConverter:
    """A young person's reference in a URL (any case: the selector upper-cases it), so that
    ``<ref:ref>/`` never swallows another area's fixed path such as ``transitions/``."""

    regex = r"[Yy][Pp]-[0-9A-Za-z]{5,8}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RefConverter, "ref")

urlpatterns = [
    path("", search, name="search"),
    path("add/", young_person_add, name="add"),
    path("break-glass/", break_glass_report, name="break-glass-report"),
    path("<ref:ref>/", detail, name="detail"),
    path("<ref:ref>/name/", name_reveal, name="name-reveal"),
    path("<ref:ref>/edit/", young_person_edit, name="edit"),
    path("<ref:ref>/break-glass/", break_glass, name="break-glass"),
    path("<ref:ref>/case-references/add/", agency_reference_add, name="reference-add"),
    path("<ref:ref>/involvements/add/", involvement_add, name="involvement-add"),
    path("<ref:ref>/involvements/<int:pk>/edit/", involvement_edit, name="involvement-edit"),
    path("<ref:ref>/involvements/<int:pk>/end/", involvement_end, name="involvement-end"),
    path("<ref:ref>/sharing-decisions/add/", sharing_decision_add, name="sharing-decision-add"),
    path("<ref:ref>/voice/add/", voice_add, name="voice-add"),
    path("<ref:ref>/referrals/<int:pk>/", referral_status, name="referral-status"),
]
