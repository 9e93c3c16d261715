"""How a service's ValidationError lands on a form: the one helper every app's views use."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from joinedup.web.forms import apply_service_errors


class _Form(forms.Form):
    start = forms.CharField(required=False)
    owner = forms.CharField(required=False)


def _bound():
    form = _Form(data={})
    assert form.is_valid()
    return form


@pytest.mark.parametrize(
    ("error", "rename", "expected"),
    [
        # A field the form has: next to it, every message kept.
        (ValidationError({"start": ["Enter the start date", "Must be a weekday"]}), None,
         {"start": ["Enter the start date", "Must be a weekday"]}),
        # A field the form lacks, and the model's whole-object errors: in the summary.
        (ValidationError({"service": ["Unknown service"], NON_FIELD_ERRORS: ["Overlaps"]}), None,
         {NON_FIELD_ERRORS: ["Unknown service", "Overlaps"]}),
        # The service's name for a field that the form calls something else.
        (ValidationError({"owner_agency": ["Choose the agency"]}), {"owner_agency": "owner"},
         {"owner": ["Choose the agency"]}),
        # No field at all.
        (ValidationError("Not allowed"), None, {NON_FIELD_ERRORS: ["Not allowed"]}),
    ],
)  # fmt: skip
def test_a_service_error_goes_next_to_its_field_or_into_the_summary(error, rename, expected):
    form = _bound()
    apply_service_errors(form, error, rename)
    assert form.errors.get_json_data(escape_html=False) == {
        field: [{"message": m, "code": ""} for m in messages] for field, messages in expected.items()
    }
    assert not form.is_valid()
