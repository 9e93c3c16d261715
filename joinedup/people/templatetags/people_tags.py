"""Small helpers for young people's pages."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def birth_month(value: str | None) -> str:
    """'2009-03' as 'March 2009'."""
    if not value:
        return ""
    try:
        year, month = (int(part) for part in value.split("-"))
        return dt.date(year, month, 1).strftime("%B %Y")
    except ValueError:
        return value


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """A date the GOV.UK way: '1 March 2027' (no leading zero)."""
    if not value:
        return ""
    return f"{value.day} {value:%B %Y}"
