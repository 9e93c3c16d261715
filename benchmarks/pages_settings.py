"""Settings for the page benchmarks (benchmarks/pages.py): production's, with one change.

Static files are served from the app directories by WhiteNoise's finders instead of a collected,
hashed manifest, because ``collectstatic`` with the production storage currently fails on
``govuk/joinedup.css`` (it references ``govuk/assets/images/govuk-crest.svg``, which is not
there). The benchmark requests pages only, never static files, so this does not change what is
measured: ``{% static %}`` costs a dictionary look-up either way.
"""

from joinedup.config.settings.production import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
