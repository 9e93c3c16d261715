"""People and transitions pages. Each area adds its own patterns list in its views module.

A young person's pages use the ``<ref:ref>`` converter (views/records.py), which matches only
references like YP-7F3K2, so fixed paths such as ``transitions/`` are never taken for one."""

from .views import imports, records, transitions

app_name = "people"

urlpatterns: list = [
    *records.urlpatterns,  # search, signpost, the young person's page and its forms
    *transitions.person_urlpatterns,  # agree a plan for a cliff edge (the dashboard is under /transitions/)
    *imports.urlpatterns,  # upload pages: young people and involvements from CSV files
]
