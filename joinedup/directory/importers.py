"""The services CSV (docs/formats.md, "Services CSV"), imported through joinedup.platform.csv_import.

The first nine columns are the forecast file's (DESIGN §9), so a file made for
``joinedup forecast`` also loads the directory; the rest fill in the directory's details.
A column the file leaves out leaves that field of an existing service as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from joinedup.platform.csv_import import (
    CellError,
    CsvRow,
    ImportFailed,
    ImportRowError,
    ImportSummary,
    RowErrors,
    parse_choice,
    parse_decimal,
    parse_int,
    parse_list,
    parse_rows,
)

from . import selectors, services
from .models import AGE_LIMIT, Audience, Service

REQUIRED_COLUMNS = (
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
OPTIONAL_COLUMNS = ("needs", "remit", "threshold", "referral_route", "contact_email", "contact_phone")
# CSV column -> model field, where they differ
FIELD_OF_COLUMN = {"service_id": "code", "weight": "default_weight"}
COLUMN_OF_FIELD = {field: column for column, field in FIELD_OF_COLUMN.items()}
TEXT_COLUMNS = ("remit", "threshold", "referral_route", "contact_email", "contact_phone")


def _text_max_length(column: str) -> int | None:
    return Service._meta.get_field(FIELD_OF_COLUMN.get(column, column)).max_length


class ServicesImporter:
    label = "services"
    capability = "directory.manage"  # who may import, when a user is named
    required_columns = REQUIRED_COLUMNS
    optional_columns = OPTIONAL_COLUMNS

    def prepare(self, rows: Sequence[CsvRow]) -> tuple[tuple[list[dict[str, Any]], list[int]], list[ImportRowError]]:
        agencies = selectors.agency_lookup()
        parsed, errors = parse_rows(rows, lambda row, problems: (self._parse(row, agencies, problems), row.number))
        return ([fields for fields, _ in parsed], [number for _, number in parsed]), errors

    def check(self, prepared: tuple[list[dict[str, Any]], list[int]]) -> list[ImportRowError]:
        rows, numbers = prepared
        return _row_errors(services.services_import_check(rows), numbers)

    def _parse(self, row: CsvRow, agencies: dict[str, Any], problems: RowErrors) -> dict[str, Any]:
        values = row.values
        fields: dict[str, Any] = {}

        code = values["service_id"]
        if not code:
            problems.add("service_id", "Enter the service ID")
        fields["code"] = code

        name = values["name"]
        if not name:
            problems.add("name", "Enter the service’s name")
        fields["name"] = name

        agency_text = values["agency"]
        if not agency_text:
            problems.add("agency", "Enter the agency’s code or name")
        else:
            agency = agencies.get(agency_text)
            if agency is None:
                problems.add("agency", f"No agency has the code or name “{agency_text}”. Add the agency first.")
            fields["agency"] = agency

        try:
            audience = parse_choice(values["audience"], Audience.values)
            if audience is None:
                problems.add("audience", f"Enter who the service is for: {', '.join(Audience.values)}")
            fields["audience"] = audience
        except CellError as error:
            problems.add("audience", str(error))

        for column in ("min_age", "max_age", "ends_at_age"):
            try:
                fields[column] = parse_int(values[column], minimum=0, maximum=AGE_LIMIT)
            except CellError as error:
                problems.add(column, str(error))
        try:
            days = parse_int(values["max_extension_days"], minimum=0, maximum=3650)
            fields["max_extension_days"] = 0 if days is None else days
        except CellError as error:
            problems.add("max_extension_days", str(error))
        try:
            weight = parse_decimal(values["weight"], minimum=Decimal("0.01"), maximum=Decimal("100"))
            fields["default_weight"] = Decimal("1") if weight is None else weight
        except CellError as error:
            problems.add("weight", str(error))

        if row.has("needs"):
            fields["needs"] = parse_list(values["needs"])
        for column in TEXT_COLUMNS:
            if row.has(column):
                limit = _text_max_length(column)
                if limit and len(values[column]) > limit:
                    problems.add(column, f"Must be {limit} characters or fewer")
                fields[column] = values[column]
        for column, value in (("service_id", code), ("name", name)):
            limit = _text_max_length(column)
            if limit and len(value) > limit:
                problems.add(column, f"Must be {limit} characters or fewer")
        return fields

    def write(self, prepared: tuple[list[dict[str, Any]], list[int]], *, actor: Any, actor_label: str) -> ImportSummary:
        rows, numbers = prepared
        try:
            result = services.services_import(actor=actor, rows=rows, actor_label=actor_label)
        except services.ServicesImportInvalid as invalid:
            raise ImportFailed(_row_errors(invalid.row_errors, numbers)) from None
        return ImportSummary(created=result.created, updated=result.updated, unchanged=result.unchanged)


def _row_errors(errors: dict[int, ValidationError], numbers: list[int]) -> list[ImportRowError]:
    """Model errors by row position -> ImportRowErrors by spreadsheet row and CSV column."""
    found = []
    for index, error in errors.items():
        for field, messages in _message_dict(error).items():
            column = COLUMN_OF_FIELD.get(field, field) if field in _ALL_FIELDS else ""
            found.extend(ImportRowError(numbers[index], column, message) for message in messages)
    return found


_ALL_FIELDS = {f.name for f in Service._meta.get_fields()}


def _message_dict(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {("" if field == "__all__" else field): messages for field, messages in error.message_dict.items()}
    return {"": error.messages}
