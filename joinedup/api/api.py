"""The JSON API: /api/v1/, OpenAPI at /api/v1/openapi.json."""

from django.conf import settings
from ninja import NinjaAPI

api = NinjaAPI(
    title="Joined Up API",
    version="1",
    urls_namespace="api",
    docs_url="/docs" if settings.JOINEDUP_API_DOCS else None,
)
