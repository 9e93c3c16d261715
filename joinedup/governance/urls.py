from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("", views.audit_list, name="audit-list"),
    path("verify/", views.audit_verify, name="audit-verify"),
    path("<int:seq>/", views.audit_detail, name="audit-detail"),
]
