"""``joinedup forecast-refresh``: recompute every young person's stored cliff edges.

Run it nightly from cron (README, "Keeping forecasts current"). By default it runs now, in this
process; ``--enqueue`` puts the work on the task queue for ``joinedup worker`` instead.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from joinedup.people.tasks import forecast_all


class Command(BaseCommand):
    help = "Recompute every young person's stored cliff-edge forecast (now, or --enqueue for the worker)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="queue it for `joinedup worker` instead of running now"
        )
        parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day to forecast from (default today)")

    def handle(self, *args, enqueue: bool = False, as_of: str | None = None, **options):
        if as_of:
            try:
                dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(
                    f"--as-of must be a date written year-month-day, like 2025-09-01, not “{as_of}”"
                ) from None
        if enqueue:
            result = forecast_all.enqueue(as_of_iso=as_of)
            self.stdout.write(
                f"Queued the forecast of every young person (task {result.id}). `joinedup worker` runs it."
            )
            return
        figures = forecast_all.call(as_of_iso=as_of)
        self.stdout.write(
            f"Forecast as of {figures['as_of']}: {figures['people']} young people, {figures['edges']} cliff edges, "
            f"engine {figures['engine_seconds']} seconds."
        )
