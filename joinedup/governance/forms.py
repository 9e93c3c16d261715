"""The audit trail's filter form (GET, so it works without JavaScript and can be bookmarked)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from joinedup.platform.models import AuditOutcome

from .selectors import LONDON, AuditFilters

DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        help_text="For example, 27/3/2025",
        widget=forms.TextInput(attrs={"data-width": "10", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid": f"{label} must be a real date, like 27/3/2025"},
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        label="Actor email contains",
        required=False,
        max_length=254,
        error_messages={"max_length": "Actor email must be 254 characters or fewer"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    action = forms.CharField(
        label="Action starts with",
        required=False,
        max_length=100,
        help_text="For example, accounts.session",
        error_messages={"max_length": "Action must be 100 characters or fewer"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Any outcome"), *AuditOutcome.choices],
        error_messages={"invalid_choice": "Select an outcome from the list"},
    )
    object_type = forms.CharField(
        label="Object type",
        required=False,
        max_length=100,
        help_text="For example, accounts.user",
        error_messages={"max_length": "Object type must be 100 characters or fewer"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    object_id = forms.CharField(
        label="Object ID",
        required=False,
        max_length=100,
        error_messages={"max_length": "Object ID must be 100 characters or fewer"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    date_from = _date_field("Date from")
    date_to = _date_field("Date to")

    def _not_in_future(self, name: str, label: str) -> date | None:
        value = self.cleaned_data.get(name)
        if value and value > timezone.now().astimezone(LONDON).date():
            raise forms.ValidationError(f"{label} must be today or in the past")
        return value

    def clean_date_from(self):
        return self._not_in_future("date_from", "Date from")

    def clean_date_to(self):
        return self._not_in_future("date_to", "Date to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Date to must be the same as or after date from")
        return cleaned

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            actor=data.get("actor", "").strip(),
            action=data.get("action", "").strip(),
            outcome=data.get("outcome", ""),
            object_type=data.get("object_type", "").strip(),
            object_id=data.get("object_id", "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
