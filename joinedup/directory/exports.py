"""Distribution lists as files: CSV for spreadsheets and mail merges, vCard 3.0 for address books."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils.text import slugify

CSV_HEADER = ("name", "role", "agency", "email")
# A cell starting with one of these is a formula to a spreadsheet: prefix it with ' so it stays text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_VCARD_LINE_OCTETS = 75


def export_filename(name: str, extension: str) -> str:
    return f"{slugify(name) or 'distribution-list'}-members.{extension}"


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def members_csv(members: Iterable) -> str:
    """``name,role,agency,email``, one row per member, CRLF line endings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for member in members:
        writer.writerow([_cell(member.name), _cell(member.role), _cell(member.agency.name), _cell(member.email)])
    return out.getvalue()


def vcard_escape(value: str) -> str:
    """RFC 2426 text: backslash, comma and semicolon escaped, newlines as \\n."""
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 2425 §5.8.1), never inside a UTF-8 character."""
    parts: list[str] = []
    current, size, limit = "", 0, _VCARD_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, _VCARD_LINE_OCTETS - 1  # continuation lines start with a space
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _name_parts(name: str) -> tuple[str, str]:
    """(family, given) from a display name: the last word is taken as the family name."""
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    return words[-1], " ".join(words[:-1])


def members_vcard(members: Iterable) -> str:
    """One vCard 3.0 per member, with N, FN, ORG, TITLE and EMAIL; CRLF line endings."""
    lines: list[str] = []
    for member in members:
        family, given = _name_parts(member.name)
        lines += [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"N:{vcard_escape(family)};{vcard_escape(given)};;;",
            f"FN:{vcard_escape(member.name)}",
            f"ORG:{vcard_escape(member.agency.name)}",
        ]
        if member.role:
            lines.append(f"TITLE:{vcard_escape(member.role)}")
        lines += [f"EMAIL;TYPE=INTERNET:{member.email}", "END:VCARD"]
    return "".join(_fold(line) + "\r\n" for line in lines)
