"""Run every benchmark and print its figures.

python -m benchmarks                  # SQLite in a temporary directory
JOINEDUP_BENCH_DATABASE_URL=postgres:///test python -m benchmarks   # PostgreSQL too
JOINEDUP_BENCH_PEOPLE=2000 python -m benchmarks   # a smaller synthetic cohort for the engine
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


def _setup() -> str:
    var = Path(tempfile.mkdtemp(prefix="joinedup-bench-"))
    os.environ["JOINEDUP_VAR_DIR"] = str(var)
    if os.environ.get("JOINEDUP_BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["JOINEDUP_BENCH_DATABASE_URL"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "joinedup.config.settings.development"
    os.environ["JOINEDUP_DEBUG"] = "false"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def _timed(label: str, func, *, count: int, unit: str) -> float:
    tracemalloc.start()
    started = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = count / seconds if seconds else float("inf")
    print(f"{label:<48} {seconds:8.3f} s  {rate:10.0f} {unit}/s  peak {peak / 2**20:6.1f} MiB  {result or ''}")
    return seconds


def bench_audit(events: int = 2000) -> None:
    from joinedup.platform.audit import audit_record, audit_verify

    def append():
        for index in range(events):
            audit_record(actor=None, action="bench.audit.append", object_type="bench", object_id=index)

    _timed(f"audit: append {events} events", append, count=events, unit="events")
    _timed(f"audit: verify the chain ({events} events)", lambda: audit_verify().checked, count=events, unit="events")


def _services_csv(rows: int) -> bytes:
    from joinedup.directory.models import Agency, AgencyKind

    Agency.objects.get_or_create(code="bench-agency", defaults={"name": "Bench Agency", "kind": AgencyKind.OTHER})
    out = io.StringIO()
    out.write("service_id,name,agency,audience,min_age,max_age,ends_at_age,weight,max_extension_days,needs,remit\n")
    for index in range(rows):
        out.write(f"bench-{index},Bench service {index},bench-agency,child,10,17,18,1,90,exploitation;housing,Helps\n")
    return out.getvalue().encode()


def bench_services_import(rows: int = 10_000) -> None:
    from joinedup.platform.csv_import import ImportFailed, run_import

    data = _services_csv(rows)
    _timed(
        f"import: {rows} new services",
        lambda: run_import("services", data, actor_label="bench"),
        count=rows,
        unit="rows",
    )
    _timed(
        f"import: the same {rows} again (idempotent)",
        lambda: run_import("services", data, actor_label="bench"),
        count=rows,
        unit="rows",
    )
    bad = data.replace(
        b"bench-9998,Bench service 9998,bench-agency,child,10,17",
        b"bench-9998,Bench service 9998,bench-agency,child,17,10",
    )

    def rejected():
        try:
            run_import("services", bad, actor_label="bench")
        except ImportFailed as failure:
            return f"rejected: {failure.errors[0]}"
        raise AssertionError("a bad row was accepted")

    _timed(f"import: {rows} rows with one bad row (rejected)", rejected, count=rows, unit="rows")


def main() -> int:
    vendor = _setup()
    print(f"Joined Up benchmarks on {vendor}, Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    bench_audit()
    bench_services_import()
    from benchmarks import pages  # the transitions pages under gunicorn: PostgreSQL only, else skipped

    pages.main()
    from benchmarks import engine  # the transitions engine: Python, numpy and numba; no database

    engine.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
