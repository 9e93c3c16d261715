"""The public directory, for anyone, without signing in: /find-a-service/."""

from django.urls import path

from . import views

app_name = "public-directory"

urlpatterns = [
    path("", views.public_service_list, name="service-list"),
    path("services/<slug:code>/", views.public_service_detail, name="service"),
    path("organisations/<slug:code>/", views.public_agency_detail, name="agency"),
]
