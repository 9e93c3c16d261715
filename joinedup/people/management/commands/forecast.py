"""``joinedup forecast``: the cliff-edge forecast as JSON (DESIGN §9, docs/formats.md "Forecast").

From files, with no database:
    joinedup forecast --young-people YP.csv --services SERVICES.csv --involvements INV.csv --as-of 2025-09-01
From the database (every young person), as of today unless ``--as-of`` says otherwise:
    joinedup forecast

Exit status: 0 with the JSON on standard output; 1 when a file is missing or has problems (every
problem is printed on standard error as "<file> row <N>: <what is wrong>"); 2 for a usage error.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from joinedup.domain import cliff_edge as engine
from joinedup.people import forecast_files

USAGE = 2
BAD_FILES = 1
FILE_OPTIONS = ("young_people", "services", "involvements")


def _date(value: str) -> dt.date:
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise CommandError(
        f"--as-of must be a real date written year-month-day, like 2025-09-01, not “{value}”", returncode=USAGE
    )


class Command(BaseCommand):
    help = (
        "Forecast cliff edges as JSON: from three CSV files (no database) with --young-people, --services, "
        "--involvements and --as-of, or from the database without the file options."
    )
    # From files it must not touch the database, so no system checks (some look at it).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        files = parser.add_argument_group("forecast from files (all three, with --as-of; no database)")
        files.add_argument("--young-people", metavar="FILE", help="young people CSV: ref,birth_month[,area,needs]")
        files.add_argument(
            "--services",
            metavar="FILE",
            help="services CSV: service_id,name,agency,audience,min_age,max_age,ends_at_age,weight,"
            "max_extension_days[,needs]",
        )
        files.add_argument(
            "--involvements",
            metavar="FILE",
            help="involvements CSV: ref,service_id,start,planned_end,actual_end,weight",
        )
        parser.add_argument(
            "--as-of", metavar="YYYY-MM-DD", help="the day to forecast from (required with files; default today)"
        )
        parser.add_argument("--window-days", type=int, metavar="N", help="window W in days (default 90)")
        parser.add_argument(
            "--horizon-days", type=int, metavar="N", help="how far ahead to look, in days (default 365)"
        )
        parser.add_argument("--min-exits", type=int, metavar="K", help="exits a window needs (default 2)")
        parser.add_argument(
            "--min-drop", type=float, metavar="D", help="share of support a window must lose (default 0.5)"
        )

    def handle(self, *args, **options):
        given = [name for name in FILE_OPTIONS if options.get(name)]
        if given and len(given) != len(FILE_OPTIONS):
            missing = ", ".join("--" + name.replace("_", "-") for name in FILE_OPTIONS if name not in given)
            raise CommandError(
                f"To forecast from files give all three of --young-people, --services and --involvements "
                f"(missing: {missing}), or none of them to forecast the database.",
                returncode=USAGE,
            )
        from_files = bool(given)
        if from_files and not options.get("as_of"):
            raise CommandError(
                "To forecast from files give --as-of, the day to forecast from, like 2025-09-01.", returncode=USAGE
            )
        as_of = _date(options["as_of"]) if options.get("as_of") else None
        params = self._parameters(as_of, options)
        if from_files:
            result = self._from_files(options, params)
        else:
            from joinedup.people import forecasting  # only now: the database is used from here on

            result = forecasting.cohort_forecast(params=params)
        self.stdout.write(json.dumps(engine.forecast_to_json(result), ensure_ascii=False, indent=2))

    def _parameters(self, as_of: dt.date | None, options) -> engine.Parameters:
        def option(name: str, setting: str):
            value = options.get(name)
            return getattr(settings, setting) if value is None else value

        window = option("window_days", "JOINEDUP_FORECAST_WINDOW_DAYS")
        horizon = option("horizon_days", "JOINEDUP_FORECAST_HORIZON_DAYS")
        min_exits = option("min_exits", "JOINEDUP_FORECAST_MIN_EXITS")
        min_drop = option("min_drop", "JOINEDUP_FORECAST_MIN_DROP")
        problems = []
        if window < 1:
            problems.append(f"--window-days must be 1 or more, not {window}")
        if horizon < 1:
            problems.append(f"--horizon-days must be 1 or more, not {horizon}")
        if min_exits < 0:
            problems.append(f"--min-exits must be 0 or more, not {min_exits}")
        if not 0 <= min_drop <= 1:
            problems.append(f"--min-drop must be from 0 to 1, like 0.5, not {min_drop}")
        if problems:
            raise CommandError("; ".join(problems), returncode=USAGE)
        return engine.Parameters(
            as_of=as_of or timezone.localdate(),
            window_days=window,
            horizon_days=horizon,
            min_exits=min_exits,
            min_drop=min_drop,
        )

    def _from_files(self, options, params: engine.Parameters) -> engine.Forecast:
        files = []
        missing = []
        for name in FILE_OPTIONS:
            path = Path(options[name])
            if not path.is_file():
                missing.append(f"There is no file at {path} (--{name.replace('_', '-')})")
                continue
            files.append(forecast_files.ForecastFile.from_path(path))
        if missing:
            for line in missing:
                self.stderr.write(line)
            raise CommandError("Nothing was forecast: a file is missing.", returncode=BAD_FILES)
        try:
            inputs = forecast_files.read_forecast_files(*files)
        except forecast_files.ForecastFilesInvalid as invalid:
            for problem in invalid.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{invalid}. Nothing was forecast: fix them and run it again.", returncode=BAD_FILES
            ) from None
        return engine.forecast(inputs.people, inputs.services, inputs.involvements, params)
