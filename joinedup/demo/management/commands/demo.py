"""``joinedup demo``: build the fictional Harbourside partnership and serve it.

Without ``--reset`` the command writes only to the development SQLite file under var/
(``JOINEDUP_VAR_DIR``). There, an existing Harbourside is rebuilt by deleting the file
and migrating afresh: the audit trail is append-only, so the honest way to start again is a
new database with a new trail, not a doctored old one.

Any other database (PostgreSQL, a SQLite file elsewhere, a test database) is touched only
with an explicit ``--reset``. There it replaces just the Harbourside rows, in one
transaction, and the audit trail keeps every event, including the removal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from joinedup.demo.harbourside import DEFAULT_YOUNG_PEOPLE, DEMO_PASSWORD
from joinedup.demo.people import AUDITED_LIMIT
from joinedup.demo.services import (
    demo_partnership_load,
    demo_partnership_present,
    demo_sign_ins,
    demo_young_person_examples,
)
from joinedup.platform.access import Role

SQLITE_ENGINE = "django.db.backends.sqlite3"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def sqlite_file_under(settings_dict: dict[str, Any], var_dir: str | Path) -> Path | None:
    """The database file when the database is SQLite on disk inside ``var_dir``; else None.

    Only such a file may be deleted by ``joinedup demo``. In-memory databases, SQLite files
    anywhere else and every other engine give None.
    """
    if settings_dict.get("ENGINE") != SQLITE_ENGINE:
        return None
    name = str(settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    path = Path(name).resolve()
    var = Path(var_dir).resolve()
    if path == var or not path.is_relative_to(var):
        return None
    return path


def as_of_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"Enter the date as YYYY-MM-DD, like 2026-11-24, not {value!r}")


def young_people_count(value: str) -> int:
    try:
        count = int(value.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"Enter the number of young people as a whole number, not {value!r}")
    if count < 0:
        raise argparse.ArgumentTypeError("The number of young people must be 0 or more")
    return count


def site_url(addrport: str) -> str:
    """The address to print for runserver's ``addrport`` ('8000', '0.0.0.0:8000', ...)."""
    host, sep, port = addrport.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", addrport
    if host in {"", "0", "0.0.0.0"}:  # noqa: S104 - not binding, only naming what to open
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Build the fictional Harbourside partnership (agencies, services, demo users) and serve it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Random seed: one seed always builds the same demo")
        parser.add_argument("--no-serve", action="store_false", dest="serve", help="Build only; do not start a server")
        parser.add_argument(
            "--addrport", default="127.0.0.1:8000", help="Where to serve (runserver's addrport); default 127.0.0.1:8000"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Start again. Deletes the SQLite file under var/ and migrates afresh; any other database "
            "needs this flag and has only its Harbourside rows replaced.",
        )
        parser.add_argument(
            "--young-people",
            type=young_people_count,
            default=DEFAULT_YOUNG_PEOPLE,
            metavar="N",
            help=f"How many young people (default {DEFAULT_YOUNG_PEOPLE}). Up to {AUDITED_LIMIT:,} are written "
            "one by one through the audited services; more (e.g. 100000 for benchmarks) are bulk-loaded "
            "with one summary audit event.",
        )
        parser.add_argument(
            "--as-of",
            type=as_of_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="The day the young people's histories run to, and the forecast's as-of date (default today)",
        )
        parser.add_argument(
            "--no-migrate",
            action="store_false",
            dest="migrate",
            help="Do not run migrations first (the database is already up to date). A new SQLite file is "
            "always migrated.",
        )

    def handle(
        self,
        *args: Any,
        seed: int,
        serve: bool,
        addrport: str,
        reset: bool,
        migrate: bool,
        young_people: int = DEFAULT_YOUNG_PEOPLE,
        as_of: dt.date | None = None,
        **options: Any,
    ):
        if getattr(settings, "JOINEDUP_ENVIRONMENT", "") == "production":
            raise CommandError(
                "joinedup demo never runs with production settings: its users share a published password."
            )
        connection = connections[DEFAULT_DB_ALIAS]
        var_file = sqlite_file_under(connection.settings_dict, settings.VAR_DIR)

        if var_file is None and not reset:
            raise CommandError(
                f"This database ({self._describe(connection)}) is not the development SQLite file under "
                f"{settings.VAR_DIR}, so joinedup demo has not touched it. Run it again with --reset to replace "
                "the Harbourside rows in it. Never load the demo into a database with real people's data: "
                "its users share a published password."
            )

        if var_file is not None:
            start_afresh = reset or (var_file.exists() and demo_partnership_present())
            if start_afresh:
                connections.close_all()
                existed = var_file.exists()
                for path in [var_file, *(Path(f"{var_file}{suffix}") for suffix in SQLITE_SIDE_FILES)]:
                    path.unlink(missing_ok=True)
                if existed:
                    self.stdout.write(f"Removed {var_file} to build Harbourside afresh.")
            if migrate or start_afresh or not var_file.exists():
                self._migrate()
            replace = False
        else:
            self.stderr.write(
                self.style.WARNING(
                    f"Loading Harbourside into {self._describe(connection)}, replacing any Harbourside rows "
                    "already there. The demo users share a published password."
                )
            )
            if migrate:
                self._migrate()
            replace = demo_partnership_present()

        if young_people > AUDITED_LIMIT:
            self.stdout.write(f"Bulk-loading {young_people:,} young people (one summary audit event)…")
        started = time.perf_counter()
        try:
            result = demo_partnership_load(
                seed=seed, replace=replace, young_people=young_people, as_of=as_of, progress=self.stdout.write
            )
        except DatabaseError as error:
            raise CommandError(f"Harbourside was not built and nothing was changed: {error}") from error
        seconds = time.perf_counter() - started

        url = site_url(addrport)
        verb = "rebuilt" if result.replaced else "built"
        self.stdout.write(
            self.style.SUCCESS(
                f"Harbourside {verb} (seed {seed}): {result.agencies} agencies, {result.services} services, "
                f"{result.users} users."
            )
        )
        if result.young_people:
            share = result.turning_18 / result.young_people
            self.stdout.write(
                f"{result.young_people:,} young people with {result.involvements:,} involvements; "
                f"{result.turning_18:,} ({share:.0%}) turn 18 within a year of {result.as_of:%-d %B %Y}; "
                f"{result.cliff_edges:,} cliff edges forecast"
                + (f"; {result.transition_plans} transition plans agreed" if result.transition_plans else "")
                + f". Built in {seconds:.1f} s."
            )
        self.stdout.write(f"Sign in at {url}/sign-in/ (one user for each role):")
        sign_ins = demo_sign_ins()
        for entry in sign_ins[: len(Role)]:
            self.stdout.write(f"  {entry.role_label:<29} {entry.email:<37} password {DEMO_PASSWORD}   {entry.agency}")
        more = ", ".join(f"{entry.email} ({entry.agency})" for entry in sign_ins[len(Role) :])
        if more:
            self.stdout.write(f"More practitioners, same password: {more}")
        examples = demo_young_person_examples()
        if examples:
            self.stdout.write(
                "Young people's pages to try (each practitioner sees their own agency's caseload in full):"
            )
            for example in examples:
                self.stdout.write(f"  {url}/young-people/{example.ref}/   as {example.email:<37} {example.why}")
            self.stdout.write(
                f"The transitions dashboard: {url}/transitions/ (as the coordinator or any practitioner)."
            )

        if serve:
            self.stdout.write(f"Serving Harbourside at {url}/ (Ctrl+C stops it).")
            call_command("runserver", addrport, use_reloader=False)

    def _migrate(self) -> None:
        self.stdout.write("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)

    @staticmethod
    def _describe(connection) -> str:
        name = connection.settings_dict.get("NAME") or ""
        return f"{connection.vendor} {name}".strip()
