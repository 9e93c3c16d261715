"""Directory pages (thin: parse, call a selector or service, render)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_cookie

from joinedup.platform.access import has_capability, require_capability
from joinedup.platform.csv_import import ImportFailed, run_import

from . import exports, openreferral, selectors, services, silo
from .forms import (
    AgencyForm,
    ContactsOfferForm,
    DistributionListForm,
    DistributionListMemberForm,
    ForumForm,
    ForumMembershipForm,
    ImportForm,
    OpenReferralImportForm,
    PublicServiceSearchForm,
    ServiceFilterForm,
    ServiceForm,
    SiloMapForm,
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
            "filtered": filter_form.is_filtered(),
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
            "who_else": silo.who_else_could_join_for(request.user, forum),
            "meetings": selectors.forum_meetings_for(request.user, forum),
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


# --- the silo map ----------------------------------------------------------------------


def _silo_map(request):
    """The silo map for this user, and the form that chose its threshold (an invalid choice is
    shown as an error and the partnership's default is used)."""
    form = SiloMapForm(request.GET or None, admin=silo.viewer_is_admin(request.user))
    min_shared = form.cleaned_data["min_shared"] if form.is_bound and form.is_valid() else None
    return form, silo.silo_map_for(request.user, min_shared=min_shared)


@require_capability("directory.silo_map.view")
@require_safe
def silo_map(request):
    form, result = _silo_map(request)
    return render(
        request,
        "directory/silo_map.html",
        {
            "form": form,
            "result": result,
            "tables": result.tables(),
            "svg": result.svg(),
        },
    )


@require_capability("directory.silo_map.view")
@require_safe
def silo_map_svg(request):
    """The map's picture on its own, full size (the page shrinks it to fit)."""
    _, result = _silo_map(request)
    return HttpResponse(result.svg(), content_type="image/svg+xml; charset=utf-8")


# --- Open Referral UK ------------------------------------------------------------------


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_capability("directory.view")
@require_safe
def openreferral_export(request):
    """The services this user can see, as an Open Referral UK JSON file."""
    document = openreferral.oruk_export(scope="visible", user=request.user, base_url=_base_url(request))
    return _download(openreferral.oruk_json(document), "application/json", "directory-openreferral.json")


@require_capability("directory.manage")
@require_http_methods(["GET", "POST"])
def openreferral_import(request):
    form = OpenReferralImportForm(_posted(request), request.FILES if request.method == "POST" else None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = openreferral.oruk_load(upload.read(openreferral.MAX_BYTES + 1))
            summary = openreferral.oruk_import(document, actor=request.user)
        except openreferral.OrukImportInvalid as invalid:
            problems = invalid.problems
            form.add_error(
                "file",
                f"The file has {_plural(len(problems), 'problem')}. Nothing was imported. "
                "Fix the problems listed below and upload the file again.",
            )
        else:
            messages.success(request, f"Open Referral file {upload.name} imported: {summary}")
            return redirect("directory:service-list")
    return render(
        request,
        "directory/openreferral_import.html",
        {
            "form": form,
            "problems": problems[:IMPORT_ERRORS_SHOWN],
            "problems_hidden": max(0, len(problems) - IMPORT_ERRORS_SHOWN),
        },
    )


# --- the public directory (no sign-in) -------------------------------------------------
# Only public, running services of active agencies, and never a person: no staff, users,
# distribution lists or young people. Anyone's copy may be cached for a short time; a
# signed-in user's is not (NoStoreForSignedInMiddleware).

PUBLIC_CACHE_SECONDS = 300


def _public(view):
    return require_safe(vary_on_cookie(cache_control(public=True, max_age=PUBLIC_CACHE_SECONDS)(view)))


@_public
def public_service_list(request):
    form = PublicServiceSearchForm(request.GET or None)
    found = selectors.public_service_search(**form.filters())
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "directory/public/service_list.html",
        {
            "form": form,
            "page": page,
            "services": page.object_list,
            "filtered": form.is_filtered(),
            "query": query.urlencode(),
        },
    )


@_public
def public_service_detail(request, code: str):
    service = selectors.public_service_get(code)
    return render(request, "directory/public/service_detail.html", {"service": service})


@_public
def public_agency_detail(request, code: str):
    agency = selectors.public_agency_get(code)
    return render(
        request,
        "directory/public/agency_detail.html",
        {"agency": agency, "services": selectors.public_service_search(agency=agency)},
    )
