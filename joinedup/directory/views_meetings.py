"""Meeting, action and panel review pages (thin: parse, call a selector or service, render).

What a viewer may see of a young person on an agenda is decided by the selectors (ADR 0009);
showing young people's references is audited by the ``*_open`` services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.platform.access import has_capability, require_capability
from joinedup.web.forms import apply_service_errors

from . import selectors, services
from .forms_meetings import (
    ActionFilterForm,
    ActionForm,
    ActionUpdateForm,
    AgendaItemForm,
    AttendanceForm,
    DecisionForm,
    MeetingForm,
    OutcomeForm,
)
from .models import AgendaItemKind, long_date


def _posted(request):
    return request.POST if request.method == "POST" else None


def _can_manage(request) -> bool:
    return has_capability(request.user, "directory.forums.manage")


# --- meetings --------------------------------------------------------------------------------


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def meeting_create(request, pk: int):
    forum = selectors.forum_get_for(request.user, pk)
    form = MeetingForm.for_meeting(_posted(request), None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=request.user, forum=forum, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Meeting on {long_date(meeting.date)} added to {forum.name}")
            return redirect("directory:meeting-detail", pk=meeting.pk)
    return render(request, "directory/meeting_form.html", {"form": form, "forum": forum, "meeting": None})


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = selectors.meeting_get_for(request.user, pk)
    form = MeetingForm.for_meeting(_posted(request), meeting)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_update(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Changes to the meeting saved")
            return redirect("directory:meeting-detail", pk=meeting.pk)
    meeting = selectors.meeting_get_for(request.user, pk)
    return render(request, "directory/meeting_form.html", {"form": form, "forum": meeting.forum, "meeting": meeting})


@require_capability("directory.view")
def meeting_detail(request, pk: int):
    meeting = selectors.meeting_get_for(request.user, pk)
    page = services.meeting_open(actor=request.user, meeting=meeting)
    return render(
        request,
        "directory/meeting_detail.html",
        {
            "page": page,
            "meeting": meeting,
            "forum": meeting.forum,
            "can_manage": _can_manage(request),
            "can_record_people": _can_manage(request) and has_capability(request.user, "people.search"),
        },
    )


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def agenda_item_add(request, pk: int):
    meeting = selectors.meeting_get_for(request.user, pk)
    form = AgendaItemForm(_posted(request), meeting=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.agenda_item_add(actor=request.user, meeting=meeting, **form.item_fields())
        except ValidationError as error:
            apply_service_errors(form, error, {"young_person": "young_person_ref"})
        else:
            view = selectors.agenda_item_view_for(request.user, item)
            messages.success(request, f"{view.subject} added to the agenda as item {item.order}")
            return redirect("directory:meeting-detail", pk=meeting.pk)
    return render(request, "directory/meeting_agenda_form.html", {"form": form, "meeting": meeting})


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def agenda_item_outcome(request, pk: int, item_pk: int):
    meeting = selectors.meeting_get_for(request.user, pk)
    item = selectors.agenda_item_get_for(request.user, meeting, item_pk)
    view = selectors.agenda_item_view_for(request.user, item)
    if not view.sees_outcome or (item.kind == AgendaItemKind.YOUNG_PERSON and not view.person.shown):
        raise PermissionDenied("Only coordinators record what a panel concluded about a young person")
    form = OutcomeForm(_posted(request), item=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_outcome_record(actor=request.user, item=item, **form.outcome_fields())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Outcome recorded for item {item.order}: {view.subject}")
            return redirect("directory:meeting-detail", pk=meeting.pk)
    view = services.agenda_item_open(actor=request.user, item=item)  # the page shows it: audited
    return render(request, "directory/meeting_outcome_form.html", {"form": form, "meeting": meeting, "view": view})


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def attendance_record(request, pk: int):
    meeting = selectors.meeting_get_for(request.user, pk)
    form = AttendanceForm(_posted(request), meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(actor=request.user, meeting=meeting, rows=form.rows())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Attendance recorded")
            return redirect("directory:meeting-detail", pk=meeting.pk)
    return render(request, "directory/meeting_attendance_form.html", {"form": form, "meeting": meeting})


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def decision_add(request, pk: int):
    meeting = selectors.meeting_get_for(request.user, pk)
    form = DecisionForm(_posted(request), meeting=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_record(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Decision recorded")
            return redirect("directory:meeting-detail", pk=meeting.pk)
    return render(request, "directory/meeting_decision_form.html", {"form": form, "meeting": meeting})


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def action_add(request, pk: int):
    meeting = selectors.meeting_get_for(request.user, pk)
    initial = {"agenda_item": request.GET["item"]} if request.GET.get("item", "").isdigit() else {}
    form = ActionForm(_posted(request), meeting=meeting, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_create(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Action added")
            return redirect("directory:meeting-detail", pk=meeting.pk)
    return render(request, "directory/action_form.html", {"form": form, "meeting": meeting})


# --- actions across forums -------------------------------------------------------------------


@require_capability("directory.view")
def action_list(request):
    form = ActionFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    rows = services.action_list_open(actor=request.user, **filters)
    return render(
        request,
        "directory/action_list.html",
        {
            "form": form,
            "rows": rows,
            "overdue_count": sum(1 for row in rows if row.overdue),
            "filtered": any(filters.values()),
        },
    )


@require_capability("directory.actions.update")
@require_http_methods(["GET", "POST"])
def action_update(request, pk: int):
    action = selectors.action_get_for(request.user, pk)
    if not selectors.action_can_update(request.user, action):
        raise PermissionDenied("You can update only your own agency’s actions")
    change_all = selectors.action_can_change_all(request.user)
    form = ActionUpdateForm(_posted(request), action=action, change_all=change_all)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_update(actor=request.user, action=action, **form.update_fields())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Action updated")
            if action.meeting_id and request.POST.get("next") == "meeting":
                return redirect("directory:meeting-detail", pk=action.meeting_id)
            return redirect("directory:action-list")
    action = selectors.action_get_for(request.user, pk)
    return render(
        request,
        "directory/action_update_form.html",
        {
            "form": form,
            "row": services.action_open(actor=request.user, action=action),
            "next": request.GET.get("next") or request.POST.get("next", ""),
        },
    )


# --- panels: due for review ------------------------------------------------------------------


@require_capability("directory.panel_reviews.view")
def panel_reviews(request):
    panels = services.panel_reviews_open(actor=request.user)
    return render(
        request,
        "directory/mace_due_for_review.html",
        {
            "panels": panels,
            "sees_all": selectors.sees_panel_outcomes(request.user),
            "due_soon_days": selectors.DUE_SOON_DAYS,
        },
    )
