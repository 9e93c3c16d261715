"""Small helpers for showing audit events in plain words."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from joinedup.platform.access import Role
from joinedup.platform.models import AuditOutcome

register = template.Library()

_TAG_COLOURS = {AuditOutcome.SUCCESS: "green", AuditOutcome.FAILURE: "red", AuditOutcome.DENIED: "orange"}


@register.simple_tag
def outcome_tag(outcome: str):
    """The outcome as a GOV.UK tag: success green, failure red, denied orange."""
    try:
        label = AuditOutcome(outcome).label
    except ValueError:
        label = outcome
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', _TAG_COLOURS.get(outcome, "grey"), label)


@register.filter
def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role
