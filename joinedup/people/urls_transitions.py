"""The transitions pages under /transitions/: the dashboard and recomputing every forecast."""

from .views import transitions

app_name = "transitions"

urlpatterns = transitions.urlpatterns
