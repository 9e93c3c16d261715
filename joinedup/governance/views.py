"""The audit trail pages (thin: parse, call a selector or service, render)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from joinedup.platform.access import require_capability

from . import selectors, services
from .forms import AuditFilterForm

PAGE_SIZE = 50


@require_capability("governance.audit.view")
@require_GET
def audit_list(request):
    form = AuditFilterForm(request.GET)
    page = page_range = None
    if form.is_valid():
        filters = form.filters()
        # Record the view first, so the page (and its count) includes it.
        services.audit_trail_view(actor=request.user, filters=filters, page=request.GET.get("page", "1"))
        paginator = Paginator(selectors.audit_events_for(request.user, filters), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        page_range = list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "governance/audit_list.html",
        {
            "form": form,
            "page": page,
            "page_range": page_range,
            "ellipsis": Paginator.ELLIPSIS,
            "query": query.urlencode(),
            "filtered": bool(form.is_valid() and form.filters().used()),
        },
    )


@require_capability("governance.audit.view")
@require_GET
def audit_detail(request, seq: int):
    event = selectors.audit_event_for(request.user, seq)
    if event is None:
        raise Http404("No audit event with that number")
    services.audit_event_view(actor=request.user, event=event)
    before, after = selectors.audit_neighbours_for(request.user, event)
    return render(
        request,
        "governance/audit_detail.html",
        {
            "event": event,
            "detail_json": json.dumps(event.detail, indent=2, sort_keys=True, ensure_ascii=False),
            "before": before,
            "after": after,
        },
    )


@require_capability("governance.audit.view")
@require_POST
def audit_verify(request):
    result = services.audit_trail_verify(actor=request.user)
    if result.ok:
        messages.success(request, result.summary())
    else:
        messages.error(request, result.summary())
    return redirect("governance:audit-list")
