"""The ``joinedup`` command.

Friendly verbs map to Django management commands; anything else is passed to Django,
so ``joinedup migrate`` and ``joinedup createsuperuser`` work too.

    joinedup demo [--seed N] [--no-serve] [--reset]   build the Harbourside demo and serve it
    joinedup import KIND FILE                  bulk import (all-or-nothing), e.g. services
    joinedup audit verify                      check the audit trail's hash chain
    joinedup create-admin --email E --name N --agency A   the first administrator
    joinedup silo-map [--format json|text] [--min-shared N] [--user EMAIL]   the silo map
    joinedup openreferral export [--all] [--output FILE]   the directory as Open Referral UK JSON
    joinedup openreferral import FILE [--as EMAIL]        import Open Referral UK JSON (all-or-nothing)
    joinedup forecast [--young-people F --services F --involvements F --as-of D]   cliff edges as JSON
    joinedup forecast-refresh [--enqueue]      recompute every stored forecast (nightly, from cron)
    joinedup worker                            run background tasks
    joinedup serve                             run the web server (development)
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "import": "import_data",
    "worker": "db_worker",
    "serve": "runserver",
    "create-admin": "create_admin",
    "forecast-refresh": "forecast_refresh",
    "silo-map": "silo_map",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.config.settings.development")
    from django.core.management import execute_from_command_line

    if len(argv) > 1 and argv[1] in ALIASES:
        argv[1] = ALIASES[argv[1]]
    if len(argv) == 1 or argv[1] in {"-h", "--help"}:
        print(__doc__)
        if len(argv) == 1:
            return
    execute_from_command_line(argv)


if __name__ == "__main__":  # pragma: no cover
    main()
