"""Directory pages (thin: parse, call a selector or service, render)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from joinedup.platform.access import has_capability, require_capability
from joinedup.platform.csv_import import ImportFailed, run_import

from . import exports, selectors, services
from .forms import (
    AgencyForm,
    ContactsOfferForm,
    DistributionListForm,
    DistributionListMemberForm,
    ForumForm,
    ForumMembershipForm,
    ImportForm,
    ServiceFilterForm,
    ServiceForm,
)

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


# --- forums ----------------------------------------------------------------------------


def _can_manage_forums(request) -> bool:
    return has_capability(request.user, "directory.forums.manage")


@require_capability("directory.view")
def forum_list(request):
    return render(
        request,
        "directory/forum_list.html",
        {"forums": selectors.forum_list_for(request.user), "can_manage": _can_manage_forums(request)},
    )


@require_capability("directory.view")
def forum_detail(request, pk: int):
    forum = selectors.forum_get_for(request.user, pk)
    return render(
        request,
        "directory/forum_detail.html",
        {
            "forum": forum,
            "memberships": selectors.forum_memberships_for(request.user, forum),
            "distribution_list": selectors.forum_distribution_list(forum),
            "can_manage": _can_manage_forums(request),
        },
    )


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def forum_create(request):
    form = ForumForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            forum = services.forum_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{forum.name} added")
            return redirect("directory:forum-detail", pk=forum.pk)
    return render(request, "directory/forum_form.html", {"form": form, "forum": None})


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def forum_edit(request, pk: int):
    forum = selectors.forum_get_for(request.user, pk)
    form = ForumForm(_posted(request), instance=forum)
    if request.method == "POST" and form.is_valid():
        try:
            forum = services.forum_update(actor=request.user, forum=forum, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Changes to {forum.name} saved")
            return redirect("directory:forum-detail", pk=forum.pk)
    return render(
        request, "directory/forum_form.html", {"form": form, "forum": selectors.forum_get_for(request.user, pk)}
    )


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def forum_member_add(request, pk: int):
    forum = selectors.forum_get_for(request.user, pk)
    form = ForumMembershipForm(_posted(request), forum=forum)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.forum_membership_add(actor=request.user, forum=forum, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{added.membership.agency.name} added to {forum.name}")
            if added.contacts:
                return redirect("directory:forum-member-added", pk=forum.pk, member_pk=added.membership.pk)
            return redirect("directory:forum-detail", pk=forum.pk)
    return render(request, "directory/forum_member_form.html", {"form": form, "forum": forum})


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def forum_member_added(request, pk: int, member_pk: int):
    """Offer the new member agency's people for the forum's distribution list."""
    forum = selectors.forum_get_for(request.user, pk)
    membership = selectors.forum_membership_get_for(request.user, forum, member_pk)
    distribution_list = selectors.forum_distribution_list(forum)
    contacts = (
        selectors.distribution_list_contacts_for(request.user, distribution_list, membership.agency)
        if distribution_list
        else []
    )
    if not contacts:
        return redirect("directory:forum-detail", pk=forum.pk)
    form = ContactsOfferForm(_posted(request), contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.distribution_list_contacts_add(
                actor=request.user,
                distribution_list=distribution_list,
                agency=membership.agency,
                user_ids=form.cleaned_data["people"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{len(added)} {'person' if len(added) == 1 else 'people'} added to {distribution_list.name}"
            )
            return redirect("directory:forum-detail", pk=forum.pk)
    return render(
        request,
        "directory/forum_member_added.html",
        {"form": form, "forum": forum, "membership": membership, "distribution_list": distribution_list},
    )


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def forum_member_remove(request, pk: int, member_pk: int):
    forum = selectors.forum_get_for(request.user, pk)
    membership = selectors.forum_membership_get_for(request.user, forum, member_pk)
    problem = ""
    if request.method == "POST":
        try:
            services.forum_membership_remove(actor=request.user, membership=membership)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(request, f"{membership.agency.name} removed from {forum.name}")
            return redirect("directory:forum-detail", pk=forum.pk)
    return render(
        request,
        "directory/confirm_remove.html",
        {
            "title": f"Remove {membership.agency.name} from {forum.name}?",
            "caption": forum.name,
            "explanation": "The agency will no longer be listed as a member. Its people stay on the forum’s "
            "distribution list until you remove them.",
            "back_url": reverse("directory:forum-detail", args=[forum.pk]),
            "button": "Remove agency",
            "problem": problem,
        },
    )


# --- distribution lists ----------------------------------------------------------------


@require_capability("directory.view")
def distribution_list_list(request):
    return render(
        request,
        "directory/distribution_list_list.html",
        {"lists": selectors.distribution_list_list_for(request.user), "can_manage": _can_manage_forums(request)},
    )


@require_capability("directory.view")
def distribution_list_detail(request, pk: int):
    distribution_list = selectors.distribution_list_get_for(request.user, pk)
    return render(
        request,
        "directory/distribution_list_detail.html",
        {
            "distribution_list": distribution_list,
            "members": selectors.distribution_list_members_for(request.user, distribution_list),
            "can_manage": _can_manage_forums(request),
        },
    )


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def distribution_list_create(request):
    initial = {"forum": request.GET["forum"]} if request.GET.get("forum") else {}
    form = DistributionListForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            distribution_list = services.distribution_list_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{distribution_list.name} added")
            return redirect("directory:distribution-list-detail", pk=distribution_list.pk)
    return render(request, "directory/distribution_list_form.html", {"form": form, "distribution_list": None})


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def distribution_list_edit(request, pk: int):
    distribution_list = selectors.distribution_list_get_for(request.user, pk)
    form = DistributionListForm(_posted(request), instance=distribution_list)
    if request.method == "POST" and form.is_valid():
        try:
            distribution_list = services.distribution_list_update(
                actor=request.user, distribution_list=distribution_list, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Changes to {distribution_list.name} saved")
            return redirect("directory:distribution-list-detail", pk=distribution_list.pk)
    return render(
        request,
        "directory/distribution_list_form.html",
        {"form": form, "distribution_list": selectors.distribution_list_get_for(request.user, pk)},
    )


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def distribution_list_member_add(request, pk: int):
    distribution_list = selectors.distribution_list_get_for(request.user, pk)
    form = DistributionListMemberForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            member = services.distribution_list_member_add(
                actor=request.user, distribution_list=distribution_list, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{member.name} added to {distribution_list.name}")
            return redirect("directory:distribution-list-detail", pk=distribution_list.pk)
    return render(
        request, "directory/distribution_list_member_form.html", {"form": form, "distribution_list": distribution_list}
    )


@require_capability("directory.forums.manage")
@require_http_methods(["GET", "POST"])
def distribution_list_member_remove(request, pk: int, member_pk: int):
    distribution_list = selectors.distribution_list_get_for(request.user, pk)
    member = selectors.distribution_list_member_get_for(request.user, distribution_list, member_pk)
    if request.method == "POST":
        services.distribution_list_member_remove(actor=request.user, member=member)
        messages.success(request, f"{member.name} removed from {distribution_list.name}")
        return redirect("directory:distribution-list-detail", pk=distribution_list.pk)
    return render(
        request,
        "directory/confirm_remove.html",
        {
            "title": f"Remove {member.name} from {distribution_list.name}?",
            "caption": distribution_list.name,
            "explanation": f"{member.name} ({member.email}) will no longer be sent things for this list.",
            "back_url": reverse("directory:distribution-list-detail", args=[distribution_list.pk]),
            "button": "Remove person",
            "problem": "",
        },
    )


def _download(content: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content.encode("utf-8"), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_capability("directory.view")
def distribution_list_csv(request, pk: int):
    distribution_list = selectors.distribution_list_get_for(request.user, pk)
    members = selectors.distribution_list_members_for(request.user, distribution_list)
    return _download(exports.members_csv(members), "text/csv", exports.export_filename(distribution_list.name, "csv"))


@require_capability("directory.view")
def distribution_list_vcard(request, pk: int):
    distribution_list = selectors.distribution_list_get_for(request.user, pk)
    members = selectors.distribution_list_members_for(request.user, distribution_list)
    return _download(
        exports.members_vcard(members), "text/vcard", exports.export_filename(distribution_list.name, "vcf")
    )
