from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.agency_list, name="agency-list"),
    path("services/", views.service_list, name="service-list"),
    path("services/import/", views.service_import, name="service-import"),
]
