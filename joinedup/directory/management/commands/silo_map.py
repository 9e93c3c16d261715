"""``joinedup silo-map``: the silo map as JSON (docs/formats.md, "Silo map JSON") or plain text.

Without ``--user`` the counts are shown as for anyone who is not an administrator (1 to 4 as
"fewer than 5", and no threshold below 5): the output is safe to paste into a report. With
``--user EMAIL`` it is exactly what that person sees on the page and through the API.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from joinedup.directory import silo
from joinedup.platform.management.commandline import active_user


class Command(BaseCommand):
    help = (
        "Print the silo map: which agencies sit on forums together, the bridges, and the pairs of agencies "
        "that share young people but no forum."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "text"], default="json", help="json (default) or text")
        parser.add_argument(
            "--min-shared",
            type=int,
            default=None,
            metavar="N",
            help="list pairs sharing at least N young people but no forum (default: JOINEDUP_SILO_MIN_SHARED; "
            "at least 5 unless --user is an administrator)",
        )
        parser.add_argument("--user", metavar="EMAIL", help="show the map as this active user sees it")

    def handle(self, *args, format, min_shared, user, **options):
        try:
            if user:
                viewer = active_user(user)
                result = silo.silo_map_for(viewer, min_shared=min_shared)
            else:
                n = silo.effective_min_shared(min_shared, admin=False)
                result = silo.silo_map_report(viewer_is_admin=False, min_shared=n)
        except PermissionDenied:
            raise CommandError(f"{user}'s role does not allow them to see the silo map") from None
        except silo.MinSharedError as error:
            raise CommandError(f"--min-shared: {error}") from None
        if format == "json":
            self.stdout.write(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(silo.as_text(result), ending="")
