"""``joinedup import KIND FILE``: a bulk import, all or nothing (docs/formats.md)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from joinedup.platform.csv_import import ImportFailed, get_importer, known_kinds, run_import
from joinedup.platform.management.commandline import existing_file, import_actor


class Command(BaseCommand):
    help = "Import a CSV file of one kind (for example: services). Any problem means nothing is imported."

    def add_arguments(self, parser):
        parser.add_argument("kind", help=f"what the file holds: {', '.join(known_kinds())}")
        parser.add_argument("file", help="the CSV file (UTF-8)")
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="the email address of the user doing the import, for the audit trail",
        )

    def handle(self, *args, kind: str, file: str, as_email: str | None = None, **options):
        try:
            importer = get_importer(kind)
        except LookupError as error:
            raise CommandError(str(error)) from None
        actor, actor_label = import_actor(as_email)
        path = existing_file(file)
        try:
            with path.open("rb") as source:
                summary = run_import(kind, source, actor=actor, actor_label=actor_label)
        except PermissionDenied as refusal:
            raise CommandError(str(refusal)) from None
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{failure} ({path.name}). Fix them and run the import again.") from None
        self.stdout.write(f"Imported {importer.label} from {path.name}: {summary}.")
