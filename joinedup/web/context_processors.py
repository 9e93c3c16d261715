"""What every page needs: the partnership's name and the navigation for this user's role."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from joinedup.platform.access import has_capability

# (label, url name, capability or None for every signed-in user, url prefixes that mark it
# active; the longest matching prefix wins, so /directory/forums/ is Forums, not Directory)
NAVIGATION = [
    ("Home", "web:home", None, None),
    ("Young people", "people:search", "people.search", ("/young-people/",)),
    ("Transitions", "transitions:dashboard", "transitions.dashboard", ("/transitions/",)),
    ("Directory", "directory:agency-list", "directory.view", ("/directory/",)),
    (
        "Forums",
        "directory:forum-list",
        "directory.view",
        ("/directory/forums/", "/directory/lists/", "/directory/meetings/"),
    ),
    ("Actions", "directory:action-list", "directory.view", ("/directory/actions/",)),
    ("Panel reviews", "directory:panel-reviews", "directory.panel_reviews.view", ("/directory/panels/",)),
    ("Silo map", "directory:silo-map", "directory.silo_map.view", ("/directory/silo-map",)),
    ("Users", "accounts:user-list", "accounts.manage", ("/users/",)),
    ("Audit trail", "governance:audit-list", "governance.audit.view", ("/audit/",)),
]


def navigation(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        path = request.path
        best = ""
        for label, url_name, capability, prefixes in NAVIGATION:
            if capability is None or has_capability(user, capability):
                url = reverse(url_name)
                if prefixes is None:
                    match = url if path == url else ""
                else:
                    match = max((p for p in prefixes if path.startswith(p)), key=len, default="")
                best = max(best, match, key=len)
                items.append({"label": label, "url": url, "match": match})
        for item in items:
            item["active"] = bool(best) and item.pop("match") == best
            item.pop("match", None)
    return {"partnership_name": settings.PARTNERSHIP_NAME, "nav_items": items}
