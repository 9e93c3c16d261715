"""GOV.UK Frontend markup for Django forms and a few components.

``{% govuk_error_summary form %}`` then ``{% govuk_fields form %}`` (or ``{% govuk_field form.x %}``)
renders labels, hints, error messages and inputs the way the GOV.UK Design System does, so
every form in Joined Up reads and behaves the same, with or without JavaScript.
"""

from __future__ import annotations

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_TEXT_WIDTHS = {"postcode": "govuk-input--width-10"}


def _described_by(bound: forms.BoundField) -> str:
    ids = []
    if bound.help_text:
        ids.append(f"{bound.auto_id}-hint")
    if bound.errors:
        ids.append(f"{bound.auto_id}-error")
    return " ".join(ids)


def _hint(bound: forms.BoundField) -> SafeString:
    if not bound.help_text:
        return mark_safe("")
    return format_html('<div id="{}-hint" class="govuk-hint">{}</div>', bound.auto_id, bound.help_text)


def _error(bound: forms.BoundField) -> SafeString:
    if not bound.errors:
        return mark_safe("")
    return format_html(
        '<p id="{}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {}</p>',
        bound.auto_id,
        " ".join(str(e) for e in bound.errors),
    )


def _choice_items(bound: forms.BoundField, kind: str) -> SafeString:
    """Radios or checkboxes: one item per choice, ids that match the error summary's link."""
    widget = bound.field.widget
    value = bound.value()
    if kind == "checkboxes":
        selected = {str(v) for v in (value or [])}
    else:
        selected = {str(value)} if value not in (None, "") else set()
    rows = []
    for choice_value, choice_label in bound.field.choices:
        if choice_value in ("", None) and kind == "radios":
            continue
        # The first item carries the field's own id, so the error summary's link lands on it.
        item_id = bound.auto_id if not rows else f"{bound.auto_id}-{len(rows) + 1}"
        input_type = "checkbox" if kind == "checkboxes" else "radio"
        checked = " checked" if str(choice_value) in selected else ""
        rows.append(
            format_html(
                '<div class="govuk-{}__item"><input class="govuk-{}__input" id="{}" name="{}" type="{}" value="{}"{}{}>'
                '<label class="govuk-label govuk-{}__label" for="{}">{}</label></div>',
                kind,
                kind,
                item_id,
                bound.html_name,
                input_type,
                choice_value,
                mark_safe(checked),
                mark_safe(" disabled" if widget.attrs.get("disabled") else ""),
                kind,
                item_id,
                choice_label,
            )
        )
    return format_html('<div class="govuk-{}" data-module="govuk-{}">{}</div>', kind, kind, mark_safe("".join(rows)))


@register.simple_tag
def govuk_field(bound: forms.BoundField, label_class: str = "") -> SafeString:
    """One form field as a GOV.UK form group."""
    widget = bound.field.widget
    error_class = " govuk-form-group--error" if bound.errors else ""
    described = _described_by(bound)
    label_text = bound.label
    if not bound.field.required and not isinstance(widget, forms.CheckboxInput):
        label_text = f"{label_text} (optional)"

    if isinstance(widget, forms.HiddenInput):
        return mark_safe(str(bound))

    if hasattr(widget, "govuk_render"):  # a component that draws its own group (joinedup.web.forms dates)
        return widget.govuk_render(bound, _hint(bound), _error(bound), described)

    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        kind = "checkboxes" if isinstance(widget, forms.CheckboxSelectMultiple) else "radios"
        return format_html(
            '<div class="govuk-form-group{}"><fieldset class="govuk-fieldset"{}>'
            '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{}</legend>{}{}{}</fieldset></div>',
            error_class,
            format_html(' aria-describedby="{}"', described) if described else "",
            label_text,
            _hint(bound),
            _error(bound),
            _choice_items(bound, kind),
        )

    if isinstance(widget, forms.CheckboxInput):
        checked = " checked" if bound.value() else ""
        return format_html(
            '<div class="govuk-form-group{}">{}{}<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
            '<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="{}" name="{}" type="checkbox" value="on"{}{}>'
            '<label class="govuk-label govuk-checkboxes__label" for="{}">{}</label></div></div></div>',
            error_class,
            _hint(bound),
            _error(bound),
            bound.auto_id,
            bound.html_name,
            mark_safe(checked),
            format_html(' aria-describedby="{}"', described) if described else "",
            bound.auto_id,
            bound.label,
        )

    attrs: dict[str, str] = {}
    if described:
        attrs["aria-describedby"] = described
    if isinstance(widget, forms.Select):
        css = "govuk-select"
    elif isinstance(widget, forms.Textarea):
        css = "govuk-textarea"
        attrs.setdefault("rows", "5")
    elif isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        css = "govuk-file-upload"
    else:
        css = "govuk-input"
        if isinstance(widget, forms.NumberInput):
            css += " govuk-input--width-5"
            attrs["inputmode"] = "numeric"
        width = widget.attrs.get("data-width")
        if width:
            css += f" govuk-input--width-{width}"
    if bound.errors:
        css += f" {css.split()[0]}--error"
    existing = widget.attrs.get("class", "")
    attrs["class"] = f"{css} {existing}".strip()
    return format_html(
        '<div class="govuk-form-group{}"><label class="govuk-label{}" for="{}">{}</label>{}{}{}</div>',
        error_class,
        f" {label_class}" if label_class else "",
        bound.id_for_label,
        label_text,
        _hint(bound),
        _error(bound),
        bound.as_widget(attrs=attrs),
    )


@register.simple_tag
def govuk_fields(form: forms.BaseForm) -> SafeString:
    """Every field of a form, hidden ones included."""
    parts = [govuk_field(form[name]) for name in form.fields]
    return mark_safe("".join(str(p) for p in parts))


@register.simple_tag
def govuk_error_summary(form: forms.BaseForm | None) -> SafeString:
    """The error summary that sits at the top of a page whose form has errors."""
    if form is None or not form.errors:
        return mark_safe("")
    items = []
    for error in form.non_field_errors():
        items.append(format_html("<li>{}</li>", error))
    for name in form.fields:
        bound = form[name]
        for error in bound.errors:
            items.append(format_html('<li><a href="#{}">{}</a></li>', bound.auto_id, error))
    return format_html(
        '<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert">'
        '<h2 class="govuk-error-summary__title">There is a problem</h2>'
        '<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">{}</ul></div></div></div>',
        mark_safe("".join(items)),
    )


@register.simple_tag
def govuk_summary_rows(rows) -> SafeString:
    """A summary list from (key, value) pairs; empty values read 'Not recorded'."""
    return format_html(
        '<dl class="govuk-summary-list">{}</dl>',
        format_html_join(
            "",
            '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{}</dt><dd class="govuk-summary-list__value">{}</dd></div>',
            ((key, value if value not in (None, "") else "Not recorded") for key, value in rows),
        ),
    )
