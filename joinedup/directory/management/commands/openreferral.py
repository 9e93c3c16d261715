"""``joinedup openreferral export|import``: the directory as Open Referral UK JSON
(docs/formats.md, "Open Referral UK JSON").

    joinedup openreferral export [--all] [--base-url URL] [--output FILE]
    joinedup openreferral import FILE [--as EMAIL]

The export is the public directory unless ``--all`` asks for every agency and service. The
import is all or nothing: any problem is printed with its JSON path and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from joinedup.directory import openreferral
from joinedup.platform.management.commandline import existing_file, import_actor


class Command(BaseCommand):
    help = "Export the directory as Open Referral UK JSON, or import such a file (all or nothing)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="export|import")
        export = actions.add_parser("export", help="write the directory as Open Referral UK JSON")
        export.add_argument(
            "--all",
            dest="everything",
            action="store_true",
            help="every agency and service, including those not public or not running (default: the public directory)",
        )
        export.add_argument("--base-url", default="", help="the site's address, to fill in each public service's url")
        export.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
        load = actions.add_parser("import", help="create or update agencies and services from an Open Referral file")
        load.add_argument("file", help="the JSON file")
        load.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="the email address of the user doing the import, for the audit",
        )

    def handle(self, *args, action: str, **options):
        if action == "export":
            return self._export(**options)
        return self._import(**options)

    def _export(self, *, everything: bool, base_url: str, output: str | None, **options) -> None:
        document = openreferral.oruk_export(scope="all" if everything else "public", base_url=base_url)
        text = openreferral.oruk_json(document)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(
                f"Wrote {len(document['organizations'])} organisations and {len(document['services'])} services "
                f"to {output}."
            )
        else:
            self.stdout.write(text, ending="")

    def _import(self, *, file: str, as_email: str | None, **options) -> None:
        actor, actor_label = import_actor(as_email)
        path = existing_file(file)
        try:
            with path.open("rb") as source:
                document = openreferral.oruk_load(source.read(openreferral.MAX_BYTES + 1))
            summary = openreferral.oruk_import(document, actor=actor, actor_label=actor_label)
        except PermissionDenied as refusal:
            raise CommandError(str(refusal)) from None
        except openreferral.OrukImportInvalid as invalid:
            for problem in invalid.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{invalid} ({path.name}). Fix them and run the import again.") from None
        self.stdout.write(f"Imported {path.name}: {summary}.")
