"""Form fields every app can use: the GOV.UK date input (day, month, year) and its month-and-year form,
and the CSV file an import page uploads; and how a service's ``ValidationError`` goes onto a form.

``{% govuk_field %}`` draws them as a fieldset with a legend, the hint, the error message and
one labelled box per part (https://design-system.service.gov.uk/components/date-input/). The
error summary's link goes to the first box, whose id is the field's own id. Messages are
specific: "Enter the start date", "The start date must include a month", "The start date must
be a real date".
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def apply_service_errors(form: forms.BaseForm, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: messages about a field the form has go next to
    it (by the service's name for it, or as ``rename``d), anything else in the error summary."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        name = (rename or {}).get(field, field)
        form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS else None, errors)


_PART_LABELS = {"day": "Day", "month": "Month", "year": "Year"}
_PART_WIDTHS = {"day": 2, "month": 2, "year": 4}


class GovukDateWidget(forms.Widget):
    """Boxes named ``<name>-day``, ``<name>-month``, ``<name>-year`` (or month and year only)."""

    def __init__(self, parts: tuple[str, ...] = ("day", "month", "year"), attrs=None):
        super().__init__(attrs)
        self.parts = parts

    def value_from_datadict(self, data, files, name):
        return [data.get(f"{name}-{part}", "") for part in self.parts]

    def value_omitted_from_data(self, data, files, name):
        return all(f"{name}-{part}" not in data for part in self.parts)

    def _split(self, value) -> list[str]:
        if isinstance(value, (list, tuple)):
            return [str(v or "") for v in value] + [""] * (len(self.parts) - len(value))
        if isinstance(value, dt.date):
            pieces = {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
            return [pieces[part] for part in self.parts]
        if isinstance(value, str) and len(value) == 7 and value[4] == "-":  # "YYYY-MM"
            pieces = {"day": "", "month": str(int(value[5:])) if value[5:].isdigit() else "", "year": value[:4]}
            return [pieces[part] for part in self.parts]
        return [""] * len(self.parts)

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = dict(self.attrs, **(attrs or {}))
        base_id = attrs.get("id") or f"id_{name}"
        error = " govuk-input--error" if attrs.get("data-error") else ""
        items = []
        for index, (part, part_value) in enumerate(zip(self.parts, self._split(value), strict=True)):
            input_id = base_id if index == 0 else f"{base_id}-{part}"
            items.append(
                (
                    input_id,
                    _PART_LABELS[part],
                    _PART_WIDTHS[part],
                    error,
                    input_id,
                    f"{name}-{part}",
                    part_value,
                )
            )
        return format_html(
            '<div class="govuk-date-input" id="{}-group">{}</div>',
            base_id,
            format_html_join(
                "",
                '<div class="govuk-date-input__item"><div class="govuk-form-group">'
                '<label class="govuk-label govuk-date-input__label" for="{}">{}</label>'
                '<input class="govuk-input govuk-date-input__input govuk-input--width-{}{}" id="{}" name="{}" '
                'type="text" inputmode="numeric" value="{}"></div></div>',
                items,
            ),
        )

    def govuk_render(self, bound: forms.BoundField, hint: SafeString, error: SafeString, described: str) -> SafeString:
        """The whole GOV.UK form group (called by ``{% govuk_field %}``)."""
        label = bound.label if bound.field.required else f"{bound.label} (optional)"
        widget_attrs = {"id": bound.auto_id}
        if bound.errors:
            widget_attrs["data-error"] = "1"
        return format_html(
            '<div class="govuk-form-group{}"><fieldset class="govuk-fieldset" role="group"{}>'
            '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{}</legend>{}{}{}</fieldset></div>',
            " govuk-form-group--error" if bound.errors else "",
            format_html(' aria-describedby="{}"', described) if described else "",
            label,
            hint,
            error,
            mark_safe(self.render(bound.html_name, bound.value(), widget_attrs)),
        )


class GovukDateField(forms.Field):
    """A date typed as day, month and year. ``noun`` names it in messages, like "the start date"."""

    parts: tuple[str, ...] = ("day", "month", "year")
    real = "a real date"
    example = "For example, 27 3 2025"
    example_year = "2025"

    def __init__(self, *, noun: str, **kwargs):
        self.noun = noun
        kwargs.setdefault("widget", GovukDateWidget(self.parts))
        kwargs.setdefault("help_text", self.example)
        required_message = kwargs.pop("error_messages", {}).get("required", f"Enter {noun}")
        super().__init__(**kwargs)
        self.error_messages["required"] = required_message

    def _message(self, text: str) -> str:
        sentence = f"{self.noun} {text}"
        return sentence[0].upper() + sentence[1:]

    def _parts(self, value) -> dict[str, str]:
        if isinstance(value, dt.date):
            value = [str(value.day), str(value.month), str(value.year)][-len(self.parts) :]
        values = list(value or []) + [""] * len(self.parts)
        return {part: str(values[i] or "").strip() for i, part in enumerate(self.parts)}

    def to_python(self, value):
        parts = self._parts(value)
        if not any(parts.values()):
            return None
        missing = [part for part in self.parts if not parts[part]]
        if missing:
            raise ValidationError(self._message(f"must include a {' and a '.join(missing)}"), code="incomplete")
        if not all(text.isdigit() for text in parts.values()):
            raise ValidationError(self._message(f"must be {self.real}, in numbers"), code="invalid")
        if len(parts["year"]) != 4:
            raise ValidationError(
                self._message(f"must include a year with 4 numbers, like {self.example_year}"), code="invalid"
            )
        try:
            day = dt.date(int(parts["year"]), int(parts["month"]), int(parts.get("day", "1")))
        except ValueError:
            raise ValidationError(self._message(f"must be {self.real}"), code="invalid") from None
        return day


class GovukMonthField(GovukDateField):
    """A month typed as month and year; cleans to "YYYY-MM" (a young person's birth month)."""

    parts = ("month", "year")
    real = "a real month"
    example = "For example, 3 2009"
    example_year = "2009"

    def to_python(self, value):
        if isinstance(value, str) and len(value) == 7:
            return value
        day = super().to_python(value)
        return None if day is None else f"{day.year:04d}-{day.month:02d}"


class CsvFileField(forms.FileField):
    """The CSV file an import page uploads (joinedup.platform.csv_import): a file must be chosen, must not be
    empty and must be named like a CSV (ending .csv or .txt)."""

    default_error_messages = {
        "required": "Select a CSV file to upload",
        "empty": "The selected file is empty",
        "invalid": "Select a CSV file to upload",
    }

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and not upload.name.lower().endswith((".csv", ".txt")):
            raise ValidationError("The selected file must be a CSV")
        return upload
