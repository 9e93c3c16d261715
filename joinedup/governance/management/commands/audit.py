"""``joinedup audit verify``: check the audit trail's hash chain from the first event to the last."""

from __future__ import annotations

import json
import re

from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.platform.audit import audit_verify

_HEAD = re.compile(r"^(\d+):([0-9a-f]{64})$")


class Command(BaseCommand):
    help = "Audit trail tools. 'verify' checks that no event was changed, deleted or inserted out of order."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", title="subcommands", required=True)
        verify = subcommands.add_parser(
            "verify",
            help="Recompute every hash and link; exit 1 naming the first bad event.",
            description=(
                "Walk the trail in order and recompute every hash and link. Exits 0 when intact and 1 "
                "naming the first bad event. A hash chain cannot show that its newest events were removed: "
                "keep the printed head somewhere else and pass it back with --expect-head to check that too."
            ),
        )
        verify.add_argument("--json", action="store_true", help="Print the result as JSON.")
        verify.add_argument("--batch-size", type=int, default=2000, help="Events read per query (memory stays flat).")
        verify.add_argument(
            "--expect-head",
            metavar="SEQ:HASH",
            help="A head printed by an earlier run: fail if that event is gone or its hash changed.",
        )

    def handle(self, *args, **options):
        if options["subcommand"] == "verify":
            return self.verify(options)
        raise CommandError(f"Unknown subcommand {options['subcommand']!r}")  # pragma: no cover - argparse refuses

    def verify(self, options) -> None:
        expect_head = None
        if options.get("expect_head"):
            match = _HEAD.match(options["expect_head"].strip().lower())
            if not match:
                raise CommandError("--expect-head must be SEQ:HASH, like 1234:<64 hex characters>")
            expect_head = (int(match.group(1)), match.group(2))
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        result = audit_verify(batch_size=options["batch_size"], expect_head=expect_head)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        elif result.ok:
            self.stdout.write(self.style.SUCCESS(result.summary()))
            self.stdout.write(f"Head: {result.head_seq}:{result.head_hash}")
        if not result.ok:
            raise CommandError(result.summary(), returncode=1)
