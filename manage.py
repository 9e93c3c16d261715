#!/usr/bin/env python
"""Django's command-line utility; `joinedup` is the same with friendlier verbs."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.config.settings.development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
