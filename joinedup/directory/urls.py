from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.agency_list, name="agency-list"),
    path("agencies/new/", views.agency_create, name="agency-create"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency-detail"),
    path("agencies/<int:pk>/edit/", views.agency_edit, name="agency-edit"),
    path("services/", views.service_list, name="service-list"),
    path("services/new/", views.service_create, name="service-create"),
    path("services/import/", views.service_import, name="service-import"),
    path("services/<int:pk>/", views.service_detail, name="service-detail"),
    path("services/<int:pk>/edit/", views.service_edit, name="service-edit"),
    path("forums/", views.forum_list, name="forum-list"),
    path("forums/new/", views.forum_create, name="forum-create"),
    path("forums/<int:pk>/", views.forum_detail, name="forum-detail"),
    path("forums/<int:pk>/edit/", views.forum_edit, name="forum-edit"),
    path("forums/<int:pk>/members/add/", views.forum_member_add, name="forum-member-add"),
    path("forums/<int:pk>/members/<int:member_pk>/added/", views.forum_member_added, name="forum-member-added"),
    path("forums/<int:pk>/members/<int:member_pk>/remove/", views.forum_member_remove, name="forum-member-remove"),
    path("lists/", views.distribution_list_list, name="distribution-list-list"),
    path("lists/new/", views.distribution_list_create, name="distribution-list-create"),
    path("lists/<int:pk>/", views.distribution_list_detail, name="distribution-list-detail"),
    path("lists/<int:pk>/edit/", views.distribution_list_edit, name="distribution-list-edit"),
    path("lists/<int:pk>/members/add/", views.distribution_list_member_add, name="distribution-list-member-add"),
    path(
        "lists/<int:pk>/members/<int:member_pk>/remove/",
        views.distribution_list_member_remove,
        name="distribution-list-member-remove",
    ),
    path("lists/<int:pk>/members.csv", views.distribution_list_csv, name="distribution-list-csv"),
    path("lists/<int:pk>/members.vcf", views.distribution_list_vcard, name="distribution-list-vcard"),
]
