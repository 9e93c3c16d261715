"""Top-level URLs: one include per app."""

from django.contrib import admin
from django.urls import include, path

from joinedup.api.api import api

urlpatterns = [
    path("", include("joinedup.web.urls")),
    path("", include("joinedup.accounts.urls")),
    path("directory/", include("joinedup.directory.urls")),
    path("find-a-service/", include("joinedup.directory.public_urls")),
    path("young-people/", include("joinedup.people.urls")),
    path("transitions/", include("joinedup.people.urls_transitions")),
    path("audit/", include("joinedup.governance.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]

handler400 = "joinedup.web.views.bad_request"
handler403 = "joinedup.web.views.permission_denied"
handler404 = "joinedup.web.views.page_not_found"
handler500 = "joinedup.web.views.server_error"
