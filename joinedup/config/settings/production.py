"""Production: refuses to start without SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and JOINEDUP_FIELD_KEYS."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403

_missing = [
    name
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "JOINEDUP_FIELD_KEYS")
    if not os.environ.get(name, "").strip()
]
if _missing:
    raise ImproperlyConfigured(
        "Joined Up will not start in production without these environment variables: " + ", ".join(_missing)
    )

DEBUG = False
SECURE_SSL_REDIRECT = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's health check may use plain HTTP
SECURE_HSTS_SECONDS = 63072000  # two years
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
JOINEDUP_API_DOCS = False
JOINEDUP_ENVIRONMENT = "production"
