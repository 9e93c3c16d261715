"""Upload pages: young people and involvements from CSV files, all or nothing (docs/formats.md)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from joinedup.platform.access import require_capability
from joinedup.platform.csv_import import MAX_BYTES, MAX_ROWS, ImportFailed, run_import
from joinedup.web.forms import CsvFileField

from .. import importers

ERRORS_SHOWN = 200
KINDS = {
    "young-people": "Young people",
    "involvements": "Involvements",
}


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What does the file hold?",
        choices=list(KINDS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the file holds", "invalid_choice": "Select what the file holds"},
    )
    file = CsvFileField(
        label="Upload a CSV file",
        help_text=f"Saved as CSV UTF-8, up to {MAX_BYTES // (1024 * 1024)} MB and {MAX_ROWS:,} rows.",
    )


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


@require_capability(importers.CAPABILITY)
@require_http_methods(["GET", "POST"])
def upload(request):
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
    else:
        initial = request.GET.get("kind")
        form = ImportUploadForm(initial={"kind": initial} if initial in KINDS else None)
    problems = []
    if request.method == "POST" and form.is_valid():
        kind, upload_file = form.cleaned_data["kind"], form.cleaned_data["file"]
        try:
            summary = run_import(kind, upload_file, actor=request.user)
        except ImportFailed as failure:
            problems = failure.errors
            form.add_error(
                "file",
                f"The file has {_plural(len(problems), 'problem')}. Nothing was imported. "
                "Fix the problems listed below and upload the file again.",
            )
        else:
            messages.success(
                request,
                f"{KINDS[kind]} imported from {upload_file.name}: {summary.created:,} added, "
                f"{summary.updated:,} updated, {summary.unchanged:,} unchanged. Forecasts are up to date.",
            )
            return redirect(f"{request.path}?kind={kind}")
    return render(
        request,
        "people/import_upload.html",
        {
            "form": form,
            "problems": problems[:ERRORS_SHOWN],
            "problems_hidden": max(0, len(problems) - ERRORS_SHOWN),
            "scope": importers.scoped_agency(request.user),
        },
    )


urlpatterns = [path("import/", upload, name="import")]
