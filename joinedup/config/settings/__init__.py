"""Settings for Joined Up. Choose one with DJANGO_SETTINGS_MODULE:

- ``joinedup.config.settings.development`` (default for ``joinedup`` and ``manage.py``)
- ``joinedup.config.settings.production`` (refuses to start without its environment)
- ``joinedup.config.settings.test`` (pytest)
"""
