"""Directory pages (thin: parse, call a selector or service, render)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.platform.access import has_capability, require_capability
from joinedup.platform.csv_import import ImportFailed, run_import

from . import selectors, services
from .forms import AgencyForm, ImportForm, ServiceFilterForm, ServiceForm

PAGE_SIZE = 50
IMPORT_ERRORS_SHOWN = 200


def _can_manage(request) -> bool:
    return has_capability(request.user, "directory.manage")


def _posted(request):
    """The submitted data on POST (even when empty, so the form shows what is missing)."""
    return request.POST if request.method == "POST" else None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- agencies --------------------------------------------------------------------------


@require_capability("directory.view")
def agency_list(request):
    return render(
        request,
        "directory/agency_list.html",
        {"agencies": selectors.agency_rows_for(request.user), "can_manage": _can_manage(request)},
    )


@require_capability("directory.view")
def agency_detail(request, pk: int):
    agency = selectors.agency_get_for(request.user, pk)
    return render(
        request,
        "directory/agency_detail.html",
        {
            "agency": agency,
            "services": selectors.agency_services_for(request.user, agency),
            "can_manage": _can_manage(request),
        },
    )


@require_capability("directory.manage")
@require_http_methods(["GET", "POST"])
def agency_create(request):
    form = AgencyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{agency.name} added to the directory")
            return redirect("directory:agency-detail", pk=agency.pk)
    return render(request, "directory/agency_form.html", {"form": form, "agency": None})


@require_capability("directory.manage")
@require_http_methods(["GET", "POST"])
def agency_edit(request, pk: int):
    agency = selectors.agency_get_for(request.user, pk)
    form = AgencyForm(_posted(request), instance=agency)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_update(actor=request.user, agency=agency, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Changes to {agency.name} saved")
            return redirect("directory:agency-detail", pk=agency.pk)
    return render(
        request, "directory/agency_form.html", {"form": form, "agency": selectors.agency_get_for(request.user, pk)}
    )


# --- services --------------------------------------------------------------------------


@require_capability("directory.view")
def service_list(request):
    filter_form = ServiceFilterForm(request.GET or None, user=request.user)
    filters = filter_form.filters()
    services_qs = selectors.service_search_for(request.user, **filters)
    page = Paginator(services_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "directory/service_list.html",
        {
            "form": filter_form,
            "page": page,
            "services": page.object_list,
            "filtered": any(value not in (None, "") for value in filters.values()),
            "query": query.urlencode(),
            "can_manage": _can_manage(request),
        },
    )


@require_capability("directory.view")
def service_detail(request, pk: int):
    service = selectors.service_get_for(request.user, pk)
    return render(request, "directory/service_detail.html", {"service": service, "can_manage": _can_manage(request)})


@require_capability("directory.manage")
@require_http_methods(["GET", "POST"])
def service_create(request):
    initial = {}
    if request.GET.get("agency"):
        initial["agency"] = request.GET["agency"]
    form = ServiceForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(
                actor=request.user, needs=form.cleaned_data["needs"], **form.service_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{service.name} added to the directory")
            return redirect("directory:service-detail", pk=service.pk)
    return render(request, "directory/service_form.html", {"form": form, "service": None})


@require_capability("directory.manage")
@require_http_methods(["GET", "POST"])
def service_edit(request, pk: int):
    service = selectors.service_get_for(request.user, pk)
    form = ServiceForm(_posted(request), instance=service)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_update(
                actor=request.user, service=service, needs=form.cleaned_data["needs"], **form.service_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Changes to {service.name} saved")
            return redirect("directory:service-detail", pk=service.pk)
    # The form may have changed the instance in memory: show the stored name.
    return render(
        request, "directory/service_form.html", {"form": form, "service": selectors.service_get_for(request.user, pk)}
    )


@require_capability("directory.manage")
@require_http_methods(["GET", "POST"])
def service_import(request):
    form = ImportForm(_posted(request), request.FILES if request.method == "POST" else None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = run_import("services", upload, actor=request.user)
        except ImportFailed as failure:
            problems = failure.errors
            form.add_error(
                "file",
                f"The file has {_plural(len(problems), 'problem')}. Nothing was imported. "
                "Fix the problems listed below and upload the file again.",
            )
        else:
            messages.success(
                request,
                f"Services imported from {upload.name}: {summary.created} added, "
                f"{summary.updated} updated, {summary.unchanged} unchanged",
            )
            return redirect("directory:service-list")
    return render(
        request,
        "directory/service_import.html",
        {
            "form": form,
            "problems": problems[:IMPORT_ERRORS_SHOWN],
            "problems_hidden": max(0, len(problems) - IMPORT_ERRORS_SHOWN),
        },
    )
