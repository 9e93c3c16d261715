"""The CSV import framework: reading, header checks, row numbers, limits and cell parsing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.platform import csv_import
from joinedup.platform.csv_import import (
    CellError,
    ImportFailed,
    ImportRowError,
    get_importer,
    parse_choice,
    parse_decimal,
    parse_int,
    parse_list,
    read_csv,
    register_importer,
)

REQUIRED = ("id", "name")
OPTIONAL = ("note",)


def read(text: str | bytes, required=REQUIRED, optional=OPTIONAL):
    data = text.encode() if isinstance(text, str) else text
    return read_csv(data, required=required, optional=optional)


def test_rows_are_numbered_as_in_a_spreadsheet_with_the_header_as_row_1():
    rows, errors = read("id,name\na,Alpha\nb,Beta\n")
    assert errors == []
    assert [(row.number, dict(row.values)) for row in rows] == [
        (2, {"id": "a", "name": "Alpha"}),
        (3, {"id": "b", "name": "Beta"}),
    ]


def test_blank_lines_are_skipped_but_still_counted():
    rows, _ = read("id,name\n\na,Alpha\n,\n  ,  \nb,Beta\n")
    assert [row.number for row in rows] == [3, 6]


def test_a_quoted_cell_over_several_lines_is_one_row():
    rows, _ = read('id,name\na,"Line one\nline two"\nb,Beta\n')
    assert [row.number for row in rows] == [2, 3]
    assert rows[0].values["name"] == "Line one\nline two"


def test_byte_order_mark_header_case_and_spaces_are_tolerated():
    rows, errors = read("\ufeff ID , Name \r\na,Alpha\r\n".encode())
    assert errors == []
    assert rows[0].values == {"id": "a", "name": "Alpha"}


def test_cells_are_stripped_and_optional_columns_missing_from_the_file_are_absent():
    rows, _ = read("id,name\n  a ,  Alpha  \n")
    assert rows[0].values == {"id": "a", "name": "Alpha"}
    assert not rows[0].has("note")
    rows, _ = read("id,name,note\na,Alpha,\n")
    assert rows[0].has("note")
    assert rows[0].values["note"] == ""


def test_missing_unknown_repeated_and_unnamed_columns_are_each_named_on_row_1():
    _, errors = read("id,colour,id,\n")
    assert {(e.row, e.column) for e in errors} == {(1, "colour"), (1, "id"), (1, "name"), (1, "")}
    messages = {e.column: e.message for e in errors}
    assert messages["colour"].startswith("Unknown column “colour”. The columns are: id, name, note")
    assert messages["name"] == "Missing column “name”"
    assert messages["id"] == "The column “id” appears more than once"


def test_a_row_with_more_cells_than_the_header_is_an_error_and_a_short_row_is_padded():
    rows, errors = read("id,name,note\na,Alpha,x,extra\nb,Beta\n")
    assert errors == [
        ImportRowError(2, "", "This row has 4 cells but the header has 3 columns. Check for a stray comma.")
    ]
    assert [(row.number, dict(row.values)) for row in rows] == [(3, {"id": "b", "name": "Beta", "note": ""})]


def test_text_that_is_not_utf8_is_refused_with_advice():
    with pytest.raises(ImportFailed) as caught:
        read("id,name\na,Caf\xe9\n".encode("latin-1"))
    (error,) = caught.value.errors
    assert error.row is None
    assert "not UTF-8" in error.message and "line 2" in error.message


@pytest.mark.parametrize("data", [b"", b"   \n\n"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(ImportFailed) as caught:
        read(data)
    assert [str(e) for e in caught.value.errors] == ["File: The file is empty"]


def test_broken_quoting_is_reported_at_its_row():
    with pytest.raises(ImportFailed) as caught:
        read('id,name\na,Alpha\nb,"Be"ta\n')
    (error,) = caught.value.errors
    assert error.row == 3
    assert "not valid CSV" in error.message


def test_a_file_over_10_mb_is_refused_before_it_is_parsed():
    data = b"id,name\n" + b"x" * (10 * 1024 * 1024)
    with pytest.raises(ImportFailed) as caught:
        read(data)
    assert [e.message for e in caught.value.errors] == ["The file is larger than 10 MB. Split it into smaller files."]


def test_a_file_of_exactly_10_mb_is_read():
    header = b"id,name\n"
    line = b"a," + b"x" * 997 + b"\n"
    size = 10 * 1024 * 1024
    count, rest = divmod(size - len(header), len(line))
    data = header + line * count + b"b," + b"y" * (rest - 3) + b"\n"
    assert len(data) == size
    rows, errors = read(data)
    assert errors == [] and len(rows) == count + 1


def test_a_file_over_50000_rows_is_refused_and_50000_is_read():
    fine = "id,name\n" + "a,b\n" * 50_000
    rows, errors = read(fine)
    assert errors == [] and len(rows) == 50_000
    with pytest.raises(ImportFailed) as caught:
        read(fine + "a,b\n")
    assert [e.message for e in caught.value.errors] == [
        "The file has more than 50,000 rows. Split it into smaller files."
    ]


def test_a_file_like_object_is_read_no_further_than_the_limit(monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_BYTES", 20)

    class Source(io.BytesIO):
        asked: list[int] = []

        def read(self, size=-1):
            self.asked.append(size)
            return super().read(size)

    source = Source(b"id,name\n" + b"a,b\n" * 100)
    with pytest.raises(ImportFailed):
        read_csv(source, required=REQUIRED)
    assert source.asked == [21]


def test_errors_print_as_row_column_message():
    assert str(ImportRowError(7, "min_age", "Enter a whole number")) == "Row 7: min_age: Enter a whole number"
    assert str(ImportRowError(2, "", "Too many cells")) == "Row 2: Too many cells"
    assert str(ImportRowError(None, "", "The file is empty")) == "File: The file is empty"


def test_import_failed_sorts_errors_by_row_and_counts_them():
    failure = ImportFailed([ImportRowError(9, "b", "x"), ImportRowError(None, "", "y"), ImportRowError(3, "a", "z")])
    assert [e.row for e in failure.errors] == [None, 3, 9]
    assert str(failure) == "Nothing was imported: the file has 3 problems"


def test_registry_names_the_known_kinds_when_asked_for_an_unknown_one():
    assert get_importer("services").label == "services"
    with pytest.raises(LookupError, match="Unknown import kind “nonsense”. Known kinds: .*services"):
        get_importer("nonsense")
    with pytest.raises(ValueError):
        register_importer("Bad Kind", object())


@pytest.mark.parametrize(("value", "expected"), [("", None), ("0", 0), ("18", 18), ("+3", 3), ("120", 120)])
def test_parse_int_accepts_whole_numbers(value, expected):
    assert parse_int(value, minimum=0, maximum=120) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("18.5", "Enter a whole number, like 18, not “18.5”"),
        ("eighteen", "Enter a whole number, like 18, not “eighteen”"),
        ("-1", "Must be 0 or more"),
        ("121", "Must be 120 or less"),
    ],
)
def test_parse_int_explains_what_is_wrong(value, message):
    with pytest.raises(CellError, match=message):
        parse_int(value, minimum=0, maximum=120)


def test_parse_decimal_choice_and_list():
    assert parse_decimal("0.5") == Decimal("0.5")
    assert parse_decimal("") is None
    for bad in ("half", "NaN", "Infinity"):
        with pytest.raises(CellError, match="Enter a number"):
            parse_decimal(bad)
    with pytest.raises(CellError, match="Must be 0.01 or more"):
        parse_decimal("0", minimum=Decimal("0.01"))
    assert parse_choice("Adult", ["child", "adult"]) == "adult"
    assert parse_choice("", ["child"]) is None
    with pytest.raises(CellError, match="Must be one of child, adult, not “elder”"):
        parse_choice("elder", ["child", "adult"])
    assert parse_list(" a ; b;;  c ") == ["a", "b", "c"]
    assert parse_list("") == []


@given(st.integers(min_value=-(10**6), max_value=10**6))
def test_parse_int_round_trips_and_respects_bounds(number):
    text = str(number)
    if 0 <= number <= 120:
        assert parse_int(text, minimum=0, maximum=120) == number
    else:
        with pytest.raises(CellError):
            parse_int(text, minimum=0, maximum=120)


cell_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@given(st.lists(st.tuples(cell_text, cell_text).filter(lambda r: any(c.strip() for c in r)), max_size=20))
def test_any_table_written_by_a_spreadsheet_reads_back_with_its_row_numbers(table):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["id", "name"])
    writer.writerows(table)
    rows, errors = read(buffer.getvalue().encode("utf-8"))
    assert errors == []
    assert [row.number for row in rows] == list(range(2, len(table) + 2))
    assert [(row.values["id"], row.values["name"]) for row in rows] == [(a.strip(), b.strip()) for a, b in table]
