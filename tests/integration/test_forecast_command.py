"""``joinedup forecast`` (DESIGN §9, docs/formats.md "Forecast"): from three CSV files with no database,
and from the database; the JSON exactly; every problem in bad files with its row number; exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from joinedup.people import services

YOUNG_PEOPLE = """ref,birth_month,area,needs
YP-AAAAA,2008-03,North,Mental health; housing
YP-BBBBB,2010-05,South,
"""
SERVICES = """service_id,name,agency,audience,min_age,max_age,ends_at_age,weight,max_extension_days,needs
camhs,CAMHS,nhs,child,5,17,18,2,0,mental-health
support,Transitions support,police,child,10,17,18,1,182,
club,Youth club,council,child,10,19,,1,0,
adult-mh,Adult mental health,council,adult,18,25,,1,0,mental-health
"""
INVOLVEMENTS = """ref,service_id,start,planned_end,actual_end,weight
YP-AAAAA,camhs,2022-01-01,,,
YP-AAAAA,support,2023-01-01,,,
YP-AAAAA,club,2023-06-01,,,
YP-BBBBB,club,2024-01-01,2026-02-01,,0.5
"""
AS_OF = "2025-09-01"

EXPECTED = {
    "as_of": "2025-09-01",
    "parameters": {"window_days": 90, "horizon_days": 365, "min_exits": 2, "min_drop": 0.5},
    "cliff_edges": [
        {
            "ref": "YP-AAAAA",
            "start": "2026-03-01",
            "end": "2026-05-30",
            "exits": [
                {"service_id": "camhs", "date": "2026-03-01", "reason": "age_limit"},
                {"service_id": "support", "date": "2026-03-01", "reason": "age_limit"},
            ],
            "support_before": 4.0,
            "support_after": 1.0,
            "age_driven": True,
            "bridged": False,
            "suggestions": [
                {
                    "service_id": "adult-mh",
                    "reason": "Shares need mental-health; serves ages 18 to 25 (they will be 18)",
                }
            ],
            "plan": {
                "resolved": True,
                "changes": [{"service_id": "support", "from": "2026-03-01", "to": "2026-05-31"}],
                "extension_days": 91,
                "bridging_needed": 0.0,
            },
        }
    ],
    "cohort": {
        "by_month": [
            {"month": f"{2025 + (8 + i) // 12}-{(8 + i) % 12 + 1:02d}", "edges": 0, "age_driven": 0, "unbridged": 0}
            for i in range(12)
        ],
        "by_agency": [
            {"agency": "council", "month": "2026-02", "exits": 1},
            {"agency": "nhs", "month": "2026-03", "exits": 1},
            {"agency": "police", "month": "2026-03", "exits": 1},
        ],
    },
}
EXPECTED["cohort"]["by_month"][6] = {"month": "2026-03", "edges": 1, "age_driven": 1, "unbridged": 1}


@pytest.fixture
def files(tmp_path):
    def _write(young_people=YOUNG_PEOPLE, services_csv=SERVICES, involvements=INVOLVEMENTS) -> list[str]:
        paths = []
        for name, text in (
            ("young-people.csv", young_people),
            ("services.csv", services_csv),
            ("involvements.csv", involvements),
        ):
            path = tmp_path / name
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        return ["--young-people", paths[0], "--services", paths[1], "--involvements", paths[2]]

    return _write


def run(*args) -> tuple[dict | None, str]:
    out, err = StringIO(), StringIO()
    call_command("forecast", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def failure(*args) -> tuple[int, list[str]]:
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("forecast", *args, stdout=StringIO(), stderr=err)
    return raised.value.returncode, [line for line in err.getvalue().splitlines() if line] + [str(raised.value)]


# --- from files: no database at all (these tests have no `db` fixture, so any query fails) ---------


def test_the_json_from_files_is_exactly_the_documented_shape(files):
    result, err = run(*files(), "--as-of", AS_OF)
    assert err == ""
    assert result == EXPECTED
    assert list(result) == ["as_of", "parameters", "cliff_edges", "cohort"]
    assert list(result["cliff_edges"][0]) == [
        "ref", "start", "end", "exits", "support_before", "support_after", "age_driven", "bridged", "suggestions",
        "plan",
    ]  # fmt: skip
    assert list(result["cliff_edges"][0]["plan"]) == ["resolved", "changes", "extension_days", "bridging_needed"]


def test_the_parameters_are_options(files):
    result, _ = run(
        *files(),
        "--as-of",
        AS_OF,
        "--window-days",
        "30",
        "--horizon-days",
        "200",
        "--min-exits",
        "3",
        "--min-drop",
        "0.25",
    )
    assert result["parameters"] == {"window_days": 30, "horizon_days": 200, "min_exits": 3, "min_drop": 0.25}
    assert result["cliff_edges"] == []  # only two exits: fewer than three
    assert [row["month"] for row in result["cohort"]["by_month"]][-1] == "2026-03"


def test_the_import_files_extra_columns_are_allowed(files):
    people = "ref,initials,birth_month,lead_agency,needs\nYP-AAAAA,AB,2008-03,harbourside-police,mental-health\nYP-BBBBB,CD,2010-05,x,\n"
    header, *lines = SERVICES.splitlines()
    svc = f"{header},remit\n" + "".join(f"{line},What it does\n" for line in lines)
    result, _ = run(*files(young_people=people, services_csv=svc), "--as-of", AS_OF)
    assert result["cliff_edges"] == EXPECTED["cliff_edges"]


def test_the_command_line_runs_without_a_database(files, tmp_path):
    """The real `joinedup forecast`, with the database pointed at a server that does not exist."""
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="joinedup.config.settings.development",
        DATABASE_URL="postgres://nobody:nothing@127.0.0.1:9/no_such_database",
        JOINEDUP_VAR_DIR=str(tmp_path / "var"),
    )
    command = [sys.executable, "-m", "joinedup.cli", "forecast", *files(), "--as-of", AS_OF]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=Path(__file__).parents[2], timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == EXPECTED
    # Bad files: exit status 1 and every problem on standard error.
    bad = files(involvements=INVOLVEMENTS + "YP-ZZZZZ,club,2024-01-01,,,\n")
    done = subprocess.run(
        [sys.executable, "-m", "joinedup.cli", "forecast", *bad, "--as-of", AS_OF],
        capture_output=True, text=True, env=env, cwd=Path(__file__).parents[2], timeout=120,
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert "involvements.csv row 6: ref “YP-ZZZZZ” is not in young-people.csv" in done.stderr
    # A usage error: exit status 2.
    done = subprocess.run(
        [sys.executable, "-m", "joinedup.cli", "forecast", "--services", "x.csv"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).parents[2], timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "give all three" in done.stderr


# --- bad files ------------------------------------------------------------------------------------


def test_every_problem_in_all_three_files_is_reported_with_its_row(files):
    people = (
        YOUNG_PEOPLE + "YP-AAAAA,2009-01,,\n,2009-01,,\nYP-CCCCC,2009-13,,\nYP-DDDDD,,,\nYP-EEEEE,2009-01,,bad!need\n"
    )
    svc = SERVICES + (
        "camhs,Again,nhs,child,5,17,18,1,0,\n"
        "x1,,nhs,teens,5,17,18,1,0,\n"
        "x2,Bad numbers,nhs,child,old,17,18,0,-1,\n"
        "x3,Bad ages,,adult,20,18,30,1,0,\n"
    )
    inv = INVOLVEMENTS + (
        "YP-ZZZZZ,club,2024-01-01,,,\n"
        "YP-AAAAA,nothing,2024-01-01,,,\n"
        "YP-AAAAA,club,2024-13-01,,,\n"
        "YP-AAAAA,club,2024-02-01,2024-01-01,2023-12-31,abc\n"
        "YP-AAAAA,camhs,2022-01-01,,,\n"
        "YP-BBBBB,club,2009-01-01,,,\n"
        ",,,,,\n"
        "YP-BBBBB,,,,,\n"
    )
    code, lines = failure(*files(young_people=people, services_csv=svc, involvements=inv), "--as-of", AS_OF)
    assert code == 1
    assert lines[:-1] == [
        "young-people.csv row 4: ref “YP-AAAAA” is listed twice (first on row 2)",
        "young-people.csv row 5: ref is empty: give the young person’s reference, like YP-7F3K2",
        "young-people.csv row 6: birth_month must be a year and month, like 2008-03, not “2009-13”",
        "young-people.csv row 7: birth_month is empty: give the year and month of birth, like 2008-03",
        "young-people.csv row 8: needs: Needs must use letters, numbers and hyphens only, separated by semicolons. "
        "Check “bad!need”",
        "services.csv row 6: service_id “camhs” is listed twice (first on row 2)",
        "services.csv row 7: name is empty: give the service’s name",
        "services.csv row 7: audience must be one of child, adult, all_age, not “teens”",
        "services.csv row 8: min_age must be a whole number from 0 to 120, not “old”",
        "services.csv row 8: max_extension_days must be a whole number from 0 to 3650, not “-1”",
        "services.csv row 8: weight must be a number from 0.01 to 100, like 1 or 0.5, not “0”",
        "services.csv row 9: agency is empty: give the agency’s code, like harbourside-police",
        "services.csv row 9: min_age (20) must be the same as or lower than max_age (18)",
        "services.csv row 9: ends_at_age (30) must be no more than one year above max_age (18)",
        "involvements.csv row 6: ref “YP-ZZZZZ” is not in young-people.csv",
        "involvements.csv row 7: service_id “nothing” is not in services.csv",
        "involvements.csv row 8: start must be a real date written year-month-day, like 2025-04-01, not “2024-13-01”",
        "involvements.csv row 9: planned_end (2024-01-01) must be the same as or after start (2024-02-01)",
        "involvements.csv row 9: actual_end (2023-12-31) must be the same as or after start (2024-02-01)",
        "involvements.csv row 9: weight must be a number from 0 to 100, like 1 or 0.5, not “abc”",
        "involvements.csv row 10: YP-AAAAA has two involvements with camhs starting on 2022-01-01 (the first on row 2)",
        "involvements.csv row 11: start (2009-01-01) is before YP-BBBBB was born (2010-05)",
        "involvements.csv row 13: service_id is empty: give the service’s ID",
        "involvements.csv row 13: start is empty: give the date the involvement started, like 2025-04-01",
    ]
    assert lines[-1] == "The forecast files have 24 problems. Nothing was forecast: fix them and run it again."


def test_a_broken_header_is_reported_and_its_rows_are_not_checked(files):
    code, lines = failure(
        *files(young_people="ref,born,colour\nYP-AAAAA,2008-03,red\n", involvements=INVOLVEMENTS + "YP-QQQQQ,club,2024-01-01,,,\n"),
        "--as-of",
        AS_OF,
    )  # fmt: skip
    assert code == 1
    assert lines[:-1] == [
        "young-people.csv row 1: Unknown column “born”. The columns are: ref, birth_month, area, needs, initials, "
        "gender, lead_agency, lead_contact_name, lead_contact_email, lead_contact_phone, local_id",
        "young-people.csv row 1: Unknown column “colour”. The columns are: ref, birth_month, area, needs, initials, "
        "gender, lead_agency, lead_contact_name, lead_contact_email, lead_contact_phone, local_id",
        "young-people.csv row 1: Missing column “birth_month”",
    ]  # involvements' refs are not checked against a file that could not be read


def test_files_that_cannot_be_read(files, tmp_path):
    args = files(services_csv="")
    code, lines = failure(*args, "--as-of", AS_OF)
    assert code == 1 and lines[0] == "services.csv: The file is empty"
    (tmp_path / "services.csv").write_bytes(b"service_id,name\n\xff\xfe\n")
    code, lines = failure(*args, "--as-of", AS_OF)
    assert lines[0].startswith("services.csv: The file is not UTF-8 text (first problem on line 2)")
    code, lines = failure(*files()[:5], str(tmp_path / "missing.csv"), "--as-of", AS_OF)
    assert code == 1 and lines[0] == f"There is no file at {tmp_path / 'missing.csv'} (--involvements)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--young-people", "a.csv"],
            "give all three of --young-people, --services and --involvements (missing: --services, --involvements)",
        ),
        (["--young-people", "a.csv", "--services", "b.csv", "--involvements", "c.csv"], "give --as-of"),
        (
            ["--as-of", "2025-02-30"],
            "--as-of must be a real date written year-month-day, like 2025-09-01, not “2025-02-30”",
        ),
        (["--as-of", "1/9/2025"], "not “1/9/2025”"),
        (["--window-days", "0"], "--window-days must be 1 or more, not 0"),
        (
            ["--horizon-days", "-5", "--min-exits", "-1"],
            "--horizon-days must be 1 or more, not -5; --min-exits must be 0 or more, not -1",
        ),
        (["--min-drop", "1.5"], "--min-drop must be from 0 to 1, like 0.5, not 1.5"),
    ],
)
def test_usage_errors_exit_with_status_2(args, message):
    code, lines = failure(*args)
    assert code == 2
    assert message in lines[-1]


# --- from the database -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_forecast_equals_the_file_forecast_for_the_same_data(files, people_world, make_young_person):
    """Write the database's young people, services and involvements as the three files: same JSON."""
    from joinedup.directory.models import Service

    born = {"YP-AAAAA": "2008-03", "YP-BBBBB": "2008-05", "YP-CCCCC": "2010-01"}
    needs = {"YP-AAAAA": ["mental-health", "housing"], "YP-BBBBB": [], "YP-CCCCC": ["exploitation"]}
    people = {ref: make_young_person(ref=ref, birth_month=month, needs=needs[ref]) for ref, month in born.items()}
    w = people_world
    rows = [
        ("YP-AAAAA", w.camhs, dt.date(2022, 1, 3), None, None, None),
        ("YP-AAAAA", w.diversion, dt.date(2023, 1, 2), None, None, "1.5"),
        ("YP-BBBBB", w.camhs, dt.date(2021, 1, 4), None, None, None),
        ("YP-BBBBB", w.diversion, dt.date(2022, 1, 3), dt.date(2026, 4, 1), None, None),
        ("YP-BBBBB", w.leaving_care, dt.date(2025, 1, 6), None, dt.date(2025, 6, 2), None),
        ("YP-CCCCC", w.diversion, dt.date(2023, 5, 1), None, None, None),
    ]
    for ref, service, start, planned, actual, weight in rows:
        services.involvement_create(
            actor=None, young_person=people[ref], service=service, start=start, planned_end=planned,
            actual_end=actual, weight=weight,
        )  # fmt: skip

    def cell(value) -> str:
        return "" if value is None else str(value)

    yp_csv = "ref,birth_month,needs\n" + "".join(f"{r},{born[r]},{';'.join(needs[r])}\n" for r in born)
    svc_csv = "service_id,name,agency,audience,min_age,max_age,ends_at_age,weight,max_extension_days,needs\n" + "".join(
        f"{s.code},{s.name},{s.agency.code},{s.audience},{cell(s.min_age)},{cell(s.max_age)},{cell(s.ends_at_age)},"
        f"{s.default_weight},{s.max_extension_days},{';'.join(n.slug for n in s.needs.all())}\n"
        for s in Service.objects.select_related("agency")
    )
    inv_csv = "ref,service_id,start,planned_end,actual_end,weight\n" + "".join(
        f"{ref},{service.code},{start},{cell(planned)},{cell(actual)},{cell(weight)}\n"
        for ref, service, start, planned, actual, weight in rows
    )
    from_files, _ = run(*files(young_people=yp_csv, services_csv=svc_csv, involvements=inv_csv), "--as-of", AS_OF)
    from_database, _ = run("--as-of", AS_OF)
    assert from_database == from_files
    assert len(from_files["cliff_edges"]) == 2
    assert {e["ref"] for e in from_files["cliff_edges"]} == {"YP-AAAAA", "YP-BBBBB"}
    # The options apply to the database too.
    narrow, _ = run("--as-of", AS_OF, "--min-exits", "3")
    assert narrow["parameters"]["min_exits"] == 3 and narrow["cliff_edges"] == []


@pytest.mark.django_db
def test_the_database_forecast_is_as_of_today_by_default(people_world, make_young_person):
    from django.utils import timezone

    result, _ = run()
    assert result["as_of"] == timezone.localdate().isoformat()
    assert result["cliff_edges"] == []


@pytest.mark.parametrize(("verb", "command"), [("forecast", "forecast"), ("forecast-refresh", "forecast_refresh")])
def test_the_joinedup_verbs_reach_the_commands(monkeypatch, verb, command):
    import django.core.management

    from joinedup import cli

    calls = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", lambda argv: calls.append(list(argv)))
    cli.main(["joinedup", verb, "--as-of", AS_OF])
    assert calls == [["joinedup", command, "--as-of", AS_OF]]
    assert command in django.core.management.get_commands()
