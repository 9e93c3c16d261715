"""What every page needs: the partnership's name and the navigation for this user's role."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from joinedup.platform.access import has_capability

# (label, url name, capability or None for every signed-in user, url prefix that marks it active)
NAVIGATION = [
    ("Home", "web:home", None, None),
    ("Directory", "directory:agency-list", "directory.view", "/directory/"),
    ("Users", "accounts:user-list", "accounts.manage", "/users/"),
    ("Audit trail", "governance:audit-list", "governance.audit.view", "/audit/"),
]


def navigation(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        path = request.path
        for label, url_name, capability, prefix in NAVIGATION:
            if capability is None or has_capability(user, capability):
                url = reverse(url_name)
                active = path == url if prefix is None else path.startswith(prefix)
                items.append({"label": label, "url": url, "active": active})
    return {"partnership_name": settings.PARTNERSHIP_NAME, "nav_items": items}
