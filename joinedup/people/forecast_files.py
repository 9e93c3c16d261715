"""The three CSV files of ``joinedup forecast`` (DESIGN §9, docs/formats.md "Forecast"), read into the
engine's inputs without touching the database.

``read_forecast_files`` reads the young people, services and involvements files and returns
``ForecastInputs`` (engine ``Person``, ``Service`` and ``Involvement`` values), or raises
``ForecastFilesInvalid`` listing **every** problem in all three files, each as
``<file name> row <N>: <what is wrong>`` (the header is row 1, so the first data row is row 2;
problems with a file as a whole read ``<file name>: <what is wrong>``).

The files share the import framework's reading rules (``joinedup.platform.csv_import``: UTF-8,
header matched ignoring case, empty cell = not set, empty lines skipped but counted) without
its size limits: a forecast reads whole cohorts from local files and writes nothing. Each file
also accepts the extra columns of its import counterpart (ignored here), so a file made for
``joinedup import`` can be forecast as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError

from joinedup.directory.services import need_slugs_normalise
from joinedup.domain import cliff_edge as engine
from joinedup.platform.csv_import import CsvRow, ImportFailed, ImportRowError, parse_list, read_csv

YOUNG_PEOPLE_REQUIRED = ("ref", "birth_month")
YOUNG_PEOPLE_OPTIONAL = ("area", "needs")
YOUNG_PEOPLE_IGNORED = (
    "initials",
    "gender",
    "lead_agency",
    "lead_contact_name",
    "lead_contact_email",
    "lead_contact_phone",
    "local_id",
)
SERVICES_REQUIRED = (
    "service_id",
    "name",
    "agency",
    "audience",
    "min_age",
    "max_age",
    "ends_at_age",
    "weight",
    "max_extension_days",
)
SERVICES_OPTIONAL = ("needs",)
SERVICES_IGNORED = ("remit", "threshold", "referral_route", "contact_email", "contact_phone")
INVOLVEMENTS_REQUIRED = ("ref", "service_id", "start")
INVOLVEMENTS_OPTIONAL = ("planned_end", "actual_end", "weight")

AUDIENCES = ("child", "adult", "all_age")
AGE_LIMIT = 120
MAX_EXTENSION_DAYS = 3650
MAX_TEXT = 200
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True, order=True)
class FileProblem:
    """One problem: the file's name, its spreadsheet row (None for the whole file) and what is wrong."""

    file: str
    row: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.row is None else f"{self.file} row {self.row}: {self.message}"


class ForecastFilesInvalid(Exception):
    """The files cannot be forecast. ``problems`` lists every one, file by file, in row order."""

    def __init__(self, problems: Sequence[FileProblem]):
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"The forecast files have {count} problem{'s' if count != 1 else ''}")


@dataclass(frozen=True)
class ForecastInputs:
    people: list[engine.Person]
    services: list[engine.Service]
    involvements: list[engine.Involvement]


@dataclass(frozen=True)
class ForecastFile:
    """One file to read: the name used in messages (usually the file's own name) and its bytes."""

    name: str
    source: bytes | IO[bytes]

    @classmethod
    def from_path(cls, path: str | Path) -> ForecastFile:
        path = Path(path)
        return cls(path.name, path.read_bytes())


# --- cells ------------------------------------------------------------------------------------


class _Cell(ValueError):
    pass


def _quoted(value: str) -> str:
    return f"“{value}”"


def _date(column: str, value: str) -> dt.date | None:
    if value == "":
        return None
    if _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _Cell(f"{column} must be a real date written year-month-day, like 2025-04-01, not {_quoted(value)}")


def _whole(column: str, value: str, low: int, high: int) -> int | None:
    if value == "":
        return None
    if not _INTEGER.match(value) or not low <= int(value) <= high:
        raise _Cell(f"{column} must be a whole number from {low} to {high}, not {_quoted(value)}")
    return int(value)


def _weight(column: str, value: str, low: Decimal, high: Decimal) -> float | None:
    if value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not low <= number <= high:
        raise _Cell(f"{column} must be a number from {low} to {high}, like 1 or 0.5, not {_quoted(value)}")
    return float(number)


def _needs(value: str) -> frozenset[str]:
    try:
        return frozenset(need_slugs_normalise(parse_list(value)))
    except ValidationError as error:
        raise _Cell("needs: " + " ".join(error.messages)) from None


# --- files ------------------------------------------------------------------------------------


def _read(file: ForecastFile, required, optional, ignored, problems: list[FileProblem]) -> list[CsvRow] | None:
    """The file's rows, or None when its header or structure is broken (the problems are added)."""
    try:
        rows, errors = read_csv(file.source, required=required, optional=(*optional, *ignored), limited=False)
    except ImportFailed as failure:
        problems.extend(_from_import_errors(file.name, failure.errors))
        return None
    problems.extend(_from_import_errors(file.name, errors))
    if any(error.row == 1 for error in errors):
        return None  # with a broken header the rows cannot be read reliably
    return rows


def _from_import_errors(name: str, errors: Sequence[ImportRowError]) -> list[FileProblem]:
    return [FileProblem(name, error.row, error.message) for error in errors]


def _young_people(file: ForecastFile, problems: list[FileProblem]) -> dict[str, tuple[int, engine.Person]] | None:
    """Young people by ref (None when the file cannot be read)."""
    rows = _read(file, YOUNG_PEOPLE_REQUIRED, YOUNG_PEOPLE_OPTIONAL, YOUNG_PEOPLE_IGNORED, problems)
    if rows is None:
        return None
    people: dict[str, tuple[int, engine.Person | None]] = {}
    for row in rows:
        values = row.values

        def problem(message: str, number: int = row.number) -> None:
            problems.append(FileProblem(file.name, number, message))

        ref = values["ref"]
        if not ref:
            problem("ref is empty: give the young person’s reference, like YP-7F3K2")
        elif len(ref) > 50:
            problem("ref must be 50 characters or fewer")
        elif ref in people:
            problem(f"ref {_quoted(ref)} is listed twice (first on row {people[ref][0]})")
        birth_month = values["birth_month"]
        match = _MONTH.match(birth_month)
        if not birth_month:
            problem("birth_month is empty: give the year and month of birth, like 2008-03")
        elif not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
            problem(f"birth_month must be a year and month, like 2008-03, not {_quoted(birth_month)}")
            match = None
        try:
            needs = _needs(values.get("needs", ""))
        except _Cell as error:
            problem(str(error))
            needs = frozenset()
        if ref and len(ref) <= 50 and ref not in people and match:
            people[ref] = (row.number, engine.Person(ref=ref, birth_month=birth_month, needs=needs))
        elif ref and ref not in people:
            people[ref] = (row.number, None)  # known (so involvements do not report it again) but unusable
    return people


def _services(file: ForecastFile, problems: list[FileProblem]) -> dict[str, tuple[int, engine.Service]] | None:
    """Services by service_id (None when the file cannot be read)."""
    rows = _read(file, SERVICES_REQUIRED, SERVICES_OPTIONAL, SERVICES_IGNORED, problems)
    if rows is None:
        return None
    services: dict[str, tuple[int, engine.Service | None]] = {}
    for row in rows:
        values = row.values
        found: list[str] = []
        service_id = values["service_id"]
        if not service_id:
            found.append("service_id is empty: give the service’s ID, like yot-intervention")
        elif len(service_id) > 50:
            found.append("service_id must be 50 characters or fewer")
        elif service_id in services:
            found.append(f"service_id {_quoted(service_id)} is listed twice (first on row {services[service_id][0]})")
        if not values["name"]:
            found.append("name is empty: give the service’s name")
        elif len(values["name"]) > MAX_TEXT:
            found.append(f"name must be {MAX_TEXT} characters or fewer")
        agency = values["agency"]
        if not agency:
            found.append("agency is empty: give the agency’s code, like harbourside-police")
        audience = values["audience"].lower().replace("-", "_")
        if not audience:
            found.append(f"audience is empty: give who the service is for: {', '.join(AUDIENCES)}")
        elif audience not in AUDIENCES:
            found.append(f"audience must be one of {', '.join(AUDIENCES)}, not {_quoted(values['audience'])}")
        parsed: dict[str, object] = {}
        for column, parse in (
            ("min_age", lambda v: _whole("min_age", v, 0, AGE_LIMIT)),
            ("max_age", lambda v: _whole("max_age", v, 0, AGE_LIMIT)),
            ("ends_at_age", lambda v: _whole("ends_at_age", v, 0, AGE_LIMIT)),
            ("max_extension_days", lambda v: _whole("max_extension_days", v, 0, MAX_EXTENSION_DAYS)),
            ("weight", lambda v: _weight("weight", v, Decimal("0.01"), Decimal("100"))),
        ):
            try:
                parsed[column] = parse(values[column])
            except _Cell as error:
                found.append(str(error))
                parsed[column] = False  # unusable: rules across columns skip it
        low, high, ends = parsed["min_age"], parsed["max_age"], parsed["ends_at_age"]
        if isinstance(low, int) and isinstance(high, int) and low > high:
            found.append(f"min_age ({low}) must be the same as or lower than max_age ({high})")
        if isinstance(ends, int):
            if isinstance(low, int) and ends <= low:
                found.append(f"ends_at_age ({ends}) must be above min_age ({low})")
            if isinstance(high, int) and ends > high + 1:
                found.append(f"ends_at_age ({ends}) must be no more than one year above max_age ({high})")
        try:
            needs = _needs(values.get("needs", ""))
        except _Cell as error:
            found.append(str(error))
            needs = frozenset()
        problems.extend(FileProblem(file.name, row.number, message) for message in found)
        if not service_id or len(service_id) > 50 or service_id in services:
            continue
        if found:
            services[service_id] = (row.number, None)
            continue
        services[service_id] = (
            row.number,
            engine.Service(
                service_id=service_id,
                audience=audience,
                min_age=low,
                max_age=high,
                ends_at_age=ends,
                weight=parsed["weight"],
                max_extension_days=parsed["max_extension_days"] or 0,
                needs=needs,
                agency=agency,
            ),
        )
    return services


def _involvements(
    file: ForecastFile,
    people: dict[str, tuple[int, engine.Person | None]] | None,
    services: dict[str, tuple[int, engine.Service | None]] | None,
    names: tuple[str, str],
    problems: list[FileProblem],
) -> list[engine.Involvement]:
    rows = _read(file, INVOLVEMENTS_REQUIRED, INVOLVEMENTS_OPTIONAL, (), problems)
    people_name, services_name = names
    involvements: list[engine.Involvement] = []
    seen: dict[tuple[str, str, dt.date], int] = {}
    for row in rows or ():
        values = row.values
        found: list[str] = []
        ref, service_id = values["ref"], values["service_id"]
        if not ref:
            found.append("ref is empty: give the young person’s reference")
        elif people is not None and ref not in people:
            found.append(f"ref {_quoted(ref)} is not in {people_name}")
        if not service_id:
            found.append("service_id is empty: give the service’s ID")
        elif services is not None and service_id not in services:
            found.append(f"service_id {_quoted(service_id)} is not in {services_name}")
        dates: dict[str, dt.date | None] = {}
        for column in ("start", "planned_end", "actual_end"):
            try:
                dates[column] = _date(column, values.get(column, ""))
            except _Cell as error:
                found.append(str(error))
                dates[column] = None
        start = dates["start"]
        if not values["start"]:
            found.append("start is empty: give the date the involvement started, like 2025-04-01")
        for column in ("planned_end", "actual_end"):
            end = dates[column]
            if start is not None and end is not None and end < start:
                found.append(f"{column} ({end.isoformat()}) must be the same as or after start ({start.isoformat()})")
        person = people.get(ref, (None, None))[1] if people is not None else None
        if start is not None and person is not None and start < engine.age_date(person.birth_month, 0):
            found.append(f"start ({start.isoformat()}) is before {ref} was born ({person.birth_month})")
        try:
            weight = _weight("weight", values.get("weight", ""), Decimal("0"), Decimal("100"))
        except _Cell as error:
            found.append(str(error))
            weight = None
        if start is not None and ref and service_id:
            key = (ref, service_id, start)
            if key in seen:
                found.append(
                    f"{ref} has two involvements with {service_id} starting on {start.isoformat()} "
                    f"(the first on row {seen[key]})"
                )
            else:
                seen[key] = row.number
        problems.extend(FileProblem(file.name, row.number, message) for message in found)
        if not found:
            involvements.append(
                engine.Involvement(
                    ref=ref,
                    service_id=service_id,
                    start=start,
                    planned_end=dates["planned_end"],
                    actual_end=dates["actual_end"],
                    weight=weight,
                )
            )
    return involvements


def read_forecast_files(
    young_people: ForecastFile, services: ForecastFile, involvements: ForecastFile
) -> ForecastInputs:
    """The engine's inputs from the three files, or ``ForecastFilesInvalid`` with every problem.

    Involvements are checked against the other two files: a ``ref`` must be in the young people
    file and a ``service_id`` in the services file. When a file cannot be read at all, references
    to it are not checked (its own problem is reported instead)."""
    problems: list[FileProblem] = []
    people = _young_people(young_people, problems)
    service_rows = _services(services, problems)
    found = _involvements(involvements, people, service_rows, (young_people.name, services.name), problems)
    if problems:
        order = {young_people.name: 0, services.name: 1, involvements.name: 2}
        problems.sort(key=lambda p: (order.get(p.file, 3), p.row if p.row is not None else -1))
        raise ForecastFilesInvalid(problems)
    return ForecastInputs(
        people=[person for _, person in people.values()],
        services=[service for _, service in service_rows.values()],
        involvements=found,
    )
