"""Tests: SQLite in memory by default; JOINEDUP_TEST_DATABASE_URL picks PostgreSQL."""

import os

import dj_database_url

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "joinedup-tests-only-not-secret"
JOINEDUP_FIELD_KEYS = ["3q2TYVbdjAm3pnnpkp0pR7YX8m7c8Sxh7uZJ2k6N0cM="]  # tests only
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; argon2 is tested explicitly

_url = os.environ.get("JOINEDUP_TEST_DATABASE_URL")
if _url:
    DATABASES = {"default": dj_database_url.parse(_url)}
    # Several test runs on one server can each have their own database.
    if os.environ.get("JOINEDUP_TEST_DB_NAME"):
        DATABASES["default"]["TEST"] = {"NAME": os.environ["JOINEDUP_TEST_DB_NAME"]}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
JOINEDUP_DASHBOARD_CACHE_SECONDS = 0  # each test sees its own data at once (tests turn it on where they test it)
AXES_ENABLED = True
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
JOINEDUP_ENVIRONMENT = "test"
