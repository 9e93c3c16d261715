"""Directory pages (thin: parse, call a selector or service, render)."""

from django.shortcuts import render

from joinedup.platform.access import require_capability

from . import selectors


@require_capability("directory.view")
def agency_list(request):
    return render(request, "directory/agency_list.html", {"agencies": selectors.agency_list_for(request.user)})


@require_capability("directory.view")
def service_list(request):
    return render(request, "directory/service_list.html", {"services": selectors.service_list_for(request.user)})


@require_capability("directory.manage")
def service_import(request):
    return render(request, "directory/service_import.html")
