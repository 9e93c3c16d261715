"""People and transitions pages. Each area adds its own patterns list in its views module."""

from django.urls import path  # noqa: F401  (areas add path() entries below)

app_name = "people"

urlpatterns: list = []
# records: search, signpost, the young person's page and its forms (views/records.py)
# transitions: dashboard, exit plans (views/transitions.py)
# imports: upload pages (views/imports.py)
