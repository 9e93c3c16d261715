"""Bulk import from CSV files: all or nothing, with a row-by-row error report (DESIGN §3.8).

The framework knows nothing of any app. An app registers an *importer* for a kind of file
(``register_importer("services", ServicesImporter())``, usually in ``AppConfig.ready``);
``run_import`` then

1. reads the file (UTF-8, a byte-order mark is fine), refusing files over ``MAX_BYTES`` or
   ``MAX_ROWS`` data rows;
2. checks the header: every required column present, no unknown or repeated column;
3. asks the importer to parse every row (``prepare``), collecting *every* problem as an
   ``ImportRowError`` with the spreadsheet row number (the header is row 1, so the first
   data row is row 2);
4. if there is any problem, adds the importer's rule checks on the rows that did parse
   (``check``), writes nothing and raises ``ImportFailed``; otherwise asks the importer to
   check and write all the rows in one transaction (``write``, which raises
   ``ImportFailed`` on any broken rule) and returns its ``ImportSummary``.

Cell values are stripped of surrounding spaces; an empty cell means "not set". Wholly
empty lines are skipped but still counted, so row numbers match the spreadsheet.
"""

from __future__ import annotations

import csv
import inspect
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Protocol, TypeVar

from django.db import transaction

from .access import ensure_capability

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000


@dataclass(frozen=True, order=True)
class ImportRowError:
    """One problem: spreadsheet row ``row`` (None for the file as a whole), ``column``, message."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row is not None else "File"
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass(frozen=True)
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


class ImportFailed(Exception):
    """Nothing was written. ``errors`` lists every problem found, in row order."""

    def __init__(self, errors: Sequence[ImportRowError]):
        self.errors = sorted(errors, key=lambda e: (e.row if e.row is not None else -1, e.column))
        count = len(self.errors)
        super().__init__(f"Nothing was imported: the file has {count} problem{'s' if count != 1 else ''}")


@dataclass(frozen=True)
class CsvRow:
    """One data row: its spreadsheet row number and ``{column: stripped value}`` for the
    columns the file has (a column the file lacks is absent, not empty)."""

    number: int
    values: Mapping[str, str]

    def has(self, column: str) -> bool:
        return column in self.values


@dataclass
class RowErrors:
    """Collects the problems with one row."""

    row: CsvRow
    errors: list[ImportRowError] = field(default_factory=list)

    def add(self, column: str, message: str) -> None:
        self.errors.append(ImportRowError(self.row.number, column, message))


T = TypeVar("T")


def parse_rows(rows: Iterable[CsvRow], parse: Callable[[CsvRow, RowErrors], T]) -> tuple[list[T], list[ImportRowError]]:
    """Every row through ``parse``, which adds a row's problems to the ``RowErrors`` it is given:
    what the rows without a problem parsed to, in order, and every problem (for an importer's ``prepare``)."""
    parsed: list[T] = []
    errors: list[ImportRowError] = []
    for row in rows:
        problems = RowErrors(row)
        value = parse(row, problems)
        if problems.errors:
            errors.extend(problems.errors)
        else:
            parsed.append(value)
    return parsed, errors


class Importer(Protocol):
    """What an app provides for one kind of file."""

    label: str  # what the rows are, plural: "services"
    required_columns: Sequence[str]
    optional_columns: Sequence[str]

    def prepare(self, rows: Sequence[CsvRow]) -> tuple[Any, list[ImportRowError]]:
        """Check every row; return what ``write`` needs and every problem found. No writes."""

    def check(self, prepared: Any) -> list[ImportRowError]:
        """The problems ``write`` would find in rows that parsed (rules across fields, codes
        used twice, ...). Called only when the file is already refused, for a full report."""

    def write(self, prepared: Any, *, actor: Any, actor_label: str) -> ImportSummary:
        """Check and write the prepared rows, inside a transaction; raise ``ImportFailed``
        (so nothing is written) when a row breaks a rule."""


_REGISTRY: dict[str, Importer] = {}


def register_importer(kind: str, importer: Importer) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", kind):
        raise ValueError(f"Import kind {kind!r} must be lower-case letters, numbers, hyphens or underscores")
    _REGISTRY[kind] = importer


def get_importer(kind: str) -> Importer:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(f"Unknown import kind “{kind}”. Known kinds: {', '.join(known_kinds()) or 'none'}") from None


def known_kinds() -> list[str]:
    return sorted(_REGISTRY)


# --- reading ---------------------------------------------------------------------------


def _read_bytes(source: bytes | IO[bytes], *, limited: bool = True) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        data = source.read(MAX_BYTES + 1) if limited else source.read()
    if limited and len(data) > MAX_BYTES:
        raise ImportFailed(
            [
                ImportRowError(
                    None, "", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files."
                )
            ]
        )
    return data


def read_csv(
    source: bytes | IO[bytes], *, required: Sequence[str], optional: Sequence[str] = (), limited: bool = True
) -> tuple[list[CsvRow], list[ImportRowError]]:
    """Read and check a CSV file's structure: header, encoding, row lengths and limits.

    Returns the data rows and the problems found. Header names are matched ignoring case
    and surrounding spaces. Raises ``ImportFailed`` when the file cannot be read at all.
    ``limited=False`` lifts the size and row limits (``joinedup forecast`` reads whole cohorts
    from local files and writes nothing).
    """
    data = _read_bytes(source, limited=limited)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFailed(
            [
                ImportRowError(
                    None,
                    "",
                    f"The file is not UTF-8 text (first problem on line {line}). "
                    "Save it as “CSV UTF-8” from your spreadsheet and try again.",
                )
            ]
        ) from None
    if not text.strip():
        raise ImportFailed([ImportRowError(None, "", "The file is empty")])
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFailed(
            [
                ImportRowError(
                    None,
                    "",
                    f"The file holds a NUL character (first on line {line}), so it is not a text CSV file. "
                    "Save it as “CSV UTF-8” from your spreadsheet and try again.",
                )
            ]
        )

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[ImportRowError] = []
    rows: list[CsvRow] = []
    number = 0
    try:
        header = next(reader)
        number = 1
        columns = [name.strip().lower() for name in header]
        allowed = list(required) + [name for name in optional if name not in required]
        known = set(allowed)
        seen: set[str] = set()
        for name in columns:
            if name == "":
                errors.append(ImportRowError(1, "", "A column has no name. Remove it or give it a name."))
            elif name not in known:
                errors.append(
                    ImportRowError(1, name, f"Unknown column “{name}”. The columns are: {', '.join(allowed)}")
                )
            elif name in seen:
                errors.append(ImportRowError(1, name, f"The column “{name}” appears more than once"))
            seen.add(name)
        for name in required:
            if name not in seen:
                errors.append(ImportRowError(1, name, f"Missing column “{name}”"))
        data_rows = 0
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            data_rows += 1
            if limited and data_rows > MAX_ROWS:
                raise ImportFailed(
                    [
                        ImportRowError(
                            None, "", f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files."
                        )
                    ]
                )
            if len(cells) > len(columns):
                errors.append(
                    ImportRowError(
                        number,
                        "",
                        f"This row has {len(cells)} cells but the header has {len(columns)} columns. "
                        "Check for a stray comma.",
                    )
                )
                continue
            values = {}
            for name, cell in zip(columns, cells, strict=False):
                if name in known and name not in values:
                    values[name] = cell.strip()
            for name in columns[len(cells) :]:  # a short row: the missing cells are empty
                if name in known:
                    values.setdefault(name, "")
            rows.append(CsvRow(number, values))
    except StopIteration:
        raise ImportFailed([ImportRowError(None, "", "The file is empty")]) from None
    except csv.Error as error:
        raise ImportFailed(
            [ImportRowError(number + 1, "", f"The file is not valid CSV here ({error}). Check its quotation marks.")]
        ) from None
    return rows, errors


def run_import(kind: str, source: bytes | IO[bytes], *, actor: Any = None, actor_label: str = "") -> ImportSummary:
    """Import a file of ``kind``: everything or, on any problem, nothing (raises ``ImportFailed``)."""
    importer = get_importer(kind)
    capability = getattr(importer, "capability", None)
    if actor is not None and capability:
        ensure_capability(actor, capability)
    rows, errors = read_csv(source, required=importer.required_columns, optional=importer.optional_columns)
    if errors and any(error.row == 1 for error in errors):
        # With a broken header the rows cannot be read reliably: report the header alone.
        raise ImportFailed(errors)
    prepared, row_errors = importer.prepare(rows)
    errors.extend(row_errors)
    if errors:
        # The file is refused: run the checks ``write`` would make on the rows that parsed,
        # so the report lists every problem at once. An importer whose rules depend on who
        # imports (rows scoped to the user's agency) takes ``check(prepared, *, actor)``.
        if "actor" in inspect.signature(importer.check).parameters:
            errors.extend(importer.check(prepared, actor=actor))
        else:
            errors.extend(importer.check(prepared))
        raise ImportFailed(errors)
    with transaction.atomic():
        return importer.write(prepared, actor=actor, actor_label=actor_label)


# --- helpers for importers: one cell to one value, or a plain-English problem -----------


class CellError(ValueError):
    """A cell that cannot be turned into a value; the message is for the person fixing it."""


def parse_int(value: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    if value == "":
        return None
    if not re.fullmatch(r"[+-]?\d+", value):
        raise CellError(f"Enter a whole number, like 18, not “{value}”")
    number = int(value)
    if minimum is not None and number < minimum:
        raise CellError(f"Must be {minimum} or more")
    if maximum is not None and number > maximum:
        raise CellError(f"Must be {maximum} or less")
    return number


def parse_decimal(value: str, *, minimum: Decimal | None = None, maximum: Decimal | None = None) -> Decimal | None:
    if value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(f"Enter a number, like 1 or 0.5, not “{value}”") from None
    if not number.is_finite():
        raise CellError(f"Enter a number, like 1 or 0.5, not “{value}”")
    if minimum is not None and number < minimum:
        raise CellError(f"Must be {minimum} or more")
    if maximum is not None and number > maximum:
        raise CellError(f"Must be {maximum} or less")
    return number


def parse_choice(value: str, choices: Iterable[str]) -> str | None:
    if value == "":
        return None
    options = list(choices)
    lowered = value.lower()
    if lowered not in options:
        raise CellError(f"Must be one of {', '.join(options)}, not “{value}”")
    return lowered


def parse_list(value: str, *, separator: str = ";") -> list[str]:
    return [item.strip() for item in value.split(separator) if item.strip()]
