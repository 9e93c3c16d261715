"""The JSON API: /api/v1/, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs when enabled.

Every operation needs a caller: a personal API token (``Authorization: Bearer ju_…``) or a
signed-in session. Every error is JSON with a stable code (``joinedup.api.errors``).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import re_path
from ninja import NinjaAPI
from ninja.openapi.views import openapi_view

from .auth import ActiveSessionAuth, ApiTokenAuth, CallerRateThrottle
from .errors import error_response, register_error_handlers
from .routers import accounts as accounts_routes
from .routers import directory as directory_routes
from .routers import people as people_routes


def docs_when_enabled(view):
    """The API's documentation is public only while ``settings.JOINEDUP_API_DOCS`` is on
    (checked on each request: the API object is built once, at import). With it off, as in
    production, the interactive docs answer 404 and the OpenAPI schema is for signed-in
    users only."""
    is_docs_page = getattr(view, "func", None) is openapi_view

    def gated(request, *args, **kwargs):
        if not getattr(settings, "JOINEDUP_API_DOCS", False):
            if is_docs_page:
                return error_response(404, "not_found", "The API documentation is switched off here.")
            if not request.user.is_authenticated:
                return error_response(401, "not_authenticated", "Sign in to read the API schema.")
        return view(request, *args, **kwargs)

    return gated


def _unknown_path(request, rest=""):
    return error_response(404, "not_found", "There is no API endpoint at this address.")


class JoinedUpAPI(NinjaAPI):
    def _get_urls(self):
        # After every real route: unknown addresses under /api/v1/ answer JSON, not an HTML page.
        return [
            *super()._get_urls(),
            re_path(r"^(?P<rest>.+)$", _unknown_path, name="unknown"),
        ]


api = JoinedUpAPI(
    title="Joined Up API",
    version="1",
    description=(
        "The partnership directory and your account, as JSON. Authenticate with a personal API token "
        "(`Authorization: Bearer <token>`; create one under Your account → API tokens) or a signed-in session. "
        'Errors are `{"error": {"code", "message", "details"}}` with codes not_authenticated (401), '
        "permission_denied (403), not_found (404), validation_error (422), rate_limited (429) and "
        "server_error (500)."
    ),
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=docs_when_enabled,
    auth=[ApiTokenAuth(), ActiveSessionAuth()],
    throttle=[CallerRateThrottle()],
)
register_error_handlers(api)

api.add_router("/me", accounts_routes.router)
api.add_router("/agencies", directory_routes.agencies_router)
api.add_router("/services", directory_routes.services_router)
api.add_router("/directory/silo-map", directory_routes.silo_map_router)
api.add_router("/directory/openreferral", directory_routes.openreferral_router)
api.add_router("/young-people", people_routes.young_people_router)
api.add_router("/involvements", people_routes.involvements_router)
api.add_router("/transitions", people_routes.transitions_router)
