"""Forms for young people's records. They check what a person typed; the services do the writing,
and the rules about the record (an end before its start, a service for another age, a duplicate
involvement) are the model's, reported next to the field they are about."""

from __future__ import annotations

from django import forms

from joinedup.directory import selectors as directory_selectors
from joinedup.directory.models import Service
from joinedup.web.forms import GovukDateField, GovukMonthField

from . import selectors
from .models import BridgingReferral, Gender, LawfulBasis, SharingDecision, YoungPerson

SCALE_ENDS = {0: "things are really bad", 10: "everything is fine"}


def scale_words(value: int | None) -> str:
    """The young person's 0–10 scale in words, as well as the number."""
    if value is None:
        return ""
    if value == 0:
        return "Things are really bad"
    if value <= 3:
        return "Things are bad"
    if value <= 6:
        return "Some things are good, some are bad"
    if value <= 9:
        return "Things are mostly good"
    return "Everything is fine"


def _model_message(model, field: str, key: str = "blank") -> str:
    """A model field's own error message, so a form and the model say the same thing."""
    return model._meta.get_field(field).error_messages[key]


def _text(label: str, *, required: bool = False, hint: str = "", max_length: int = 200, message: str = ""):
    errors = {"max_length": f"{label} must be {max_length} characters or fewer"}
    if message:
        errors["required"] = message
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=hint, error_messages=errors)


def _textarea(label: str, *, required: bool = False, hint: str = "", message: str = ""):
    errors = {"required": message} if message else {}
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea, help_text=hint, max_length=5000, error_messages=errors
    )


# --- search ---------------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Reference, case number or initials",
        max_length=100,
        required=False,
        help_text="A Joined Up reference like YP-7F3K2, an agency’s case number, or initials with a birth month",
        error_messages={"max_length": "Search must be 100 characters or fewer"},
    )
    birth_month = GovukMonthField(
        label="Birth month", noun="the birth month", required=False, help_text="Needed to search by initials"
    )

    def looks_like_initials(self) -> bool:
        text = (self.cleaned_data.get("q") or "").strip()
        return text.isalpha() and len(text) <= 4


# --- young people ---------------------------------------------------------------------------


class YoungPersonForm(forms.Form):
    initials = forms.CharField(
        label="Initials",
        max_length=10,
        widget=forms.TextInput(attrs={"data-width": "4", "spellcheck": "false", "autocomplete": "off"}),
        help_text="1 to 4 letters, like JS",
        error_messages={
            "required": _model_message(YoungPerson, "initials"),
            "max_length": "Initials must be 1 to 4 letters, like JS",
        },
    )
    birth_month = GovukMonthField(
        label="Birth month",
        noun="the birth month",
        error_messages={"required": _model_message(YoungPerson, "birth_month")},
    )
    gender = forms.ChoiceField(
        label="Gender",
        choices=Gender.choices,
        initial=Gender.NOT_KNOWN,
        error_messages={"required": "Select a gender", "invalid_choice": "Select a gender from the list"},
    )
    area = _text("Area", hint="Neighbourhood or locality, not an address", max_length=100)
    needs = forms.MultipleChoiceField(
        label="Needs",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. They are matched with what services offer.",
        error_messages={"invalid_choice": "Select needs from the list"},
    )
    lead_agency = forms.ModelChoiceField(
        label="Lead agency",
        queryset=directory_selectors.agency_choices(),
        empty_label="Select an agency",
        help_text="The agency other agencies should contact first",
        error_messages={"required": "Select the lead agency", "invalid_choice": "Select an agency from the list"},
    )
    lead_contact_name = _text("Lead contact’s name", hint="Whom other agencies should contact")
    lead_contact_email = forms.EmailField(
        label="Lead contact’s email address",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org"},
    )
    lead_contact_phone = _text("Lead contact’s phone number", max_length=40)
    name = _text(
        "Full name",
        hint="Only if your agency needs it recorded here. It is stored encrypted, and every time someone "
        "shows it, that is recorded.",
    )
    local_id = _text(
        "Your agency’s case reference",
        max_length=100,
        hint="Your case number for them. Needed when another agency leads, so your agency is recorded as involved.",
    )

    def __init__(self, *args, person: YoungPerson | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["needs"].choices = [(n.slug, str(n).capitalize()) for n in directory_selectors.need_list()]
        if person is not None:
            del self.fields["local_id"]
            self.fields["name"].help_text = (
                "Enter a name to record or replace it. Leave empty to keep what is recorded now."
                if person.has_name
                else self.fields["name"].help_text
            )
            if person.has_name:
                self.fields["remove_name"] = forms.BooleanField(
                    label="Remove the full name that is recorded", required=False
                )
            if not self.is_bound:
                self.initial.update(
                    {
                        "initials": person.initials,
                        "birth_month": person.birth_month,
                        "gender": person.gender,
                        "area": person.area,
                        "needs": list(person.needs.values_list("slug", flat=True)),
                        "lead_agency": person.lead_agency_id,
                        "lead_contact_name": person.lead_contact_name,
                        "lead_contact_email": person.lead_contact_email,
                        "lead_contact_phone": person.lead_contact_phone,
                    }
                )

    def clean_initials(self) -> str:
        return self.cleaned_data["initials"].strip().upper()

    def person_fields(self) -> dict:
        keys = (
            "initials",
            "birth_month",
            "gender",
            "area",
            "lead_agency",
            "lead_contact_name",
            "lead_contact_email",
            "lead_contact_phone",
        )
        return {key: self.cleaned_data[key] for key in keys}

    def name_change(self) -> str | None:
        """For a change: None keeps the name, "" removes it, text replaces it."""
        if self.cleaned_data.get("remove_name"):
            return ""
        typed = (self.cleaned_data.get("name") or "").strip()
        return typed or None


class AgencyReferenceForm(forms.Form):
    local_id = _text(
        "Case reference",
        required=True,
        max_length=100,
        hint="Your agency’s own case number for this young person",
        message="Enter the case reference",
    )


# --- involvements ---------------------------------------------------------------------------


class _ServiceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.name} ({obj.agency.name}), ages {obj.age_range_text.lower()}"


class InvolvementForm(forms.Form):
    service = _ServiceChoice(
        label="Service",
        queryset=Service.objects.none(),
        empty_label="Select a service",
        error_messages={
            "required": "Select a service",
            "invalid_choice": "Select a service from the list: you can record involvements only with the "
            "services listed",
        },
    )
    start = GovukDateField(label="Start date", noun="the start date")
    planned_end = GovukDateField(
        label="Planned end date",
        noun="the planned end date",
        required=False,
        help_text="When it is planned to end, if known. For example, 27 3 2026",
    )
    weight = forms.DecimalField(
        label="Weight",
        required=False,
        max_digits=5,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "data-width": "4", "spellcheck": "false"}),
        help_text="How much support this gives, for the cliff-edge forecast. Leave empty to use the service’s usual weight.",
        error_messages={
            "invalid": "Weight must be a number, like 1 or 0.5",
            "max_decimal_places": "Weight must have no more than 2 decimal places",
            "max_digits": "Weight must be 100 or less",
        },
    )

    def __init__(self, *args, user, involvement=None, own_agency_only=False, **kwargs):
        """``own_agency_only``: the user's own agency's services only (on a record they see only
        the signpost of, that is all anyone may add)."""
        super().__init__(*args, **kwargs)
        choices = selectors.services_for_involvement(user)
        if own_agency_only:
            choices = choices.filter(agency_id=user.agency_id)
        if involvement is not None:
            choices = choices | Service.objects.filter(pk=involvement.service_id)
            self.fields["actual_end"] = GovukDateField(
                label="Date it ended",
                noun="the date it ended",
                required=False,
                help_text="The first day without the service, once it has ended. For example, 27 3 2026",
            )
            if not self.is_bound:
                self.initial.update(
                    {
                        "service": involvement.service_id,
                        "start": involvement.start,
                        "planned_end": involvement.planned_end,
                        "actual_end": involvement.actual_end,
                        "weight": involvement.weight,
                    }
                )
        self.fields["service"].queryset = choices.select_related("agency")

    def involvement_fields(self) -> dict:
        keys = ["service", "start", "planned_end", "weight"]
        if "actual_end" in self.fields:
            keys.append("actual_end")
        return {key: self.cleaned_data[key] for key in keys}


class EndInvolvementForm(forms.Form):
    actual_end = GovukDateField(
        label="Date it ended",
        noun="the date the involvement ended",
        help_text="The first day without the service. For example, 27 3 2026",
    )


# --- sharing decisions and voice ----------------------------------------------------------------


class SharingDecisionForm(forms.Form):
    shared = forms.TypedChoiceField(
        label="Was the information shared?",
        choices=[("yes", "Yes, it was shared"), ("no", "No, it was not shared")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the information was shared",
            "invalid_choice": "Select yes or no",
        },
    )
    what = _textarea(
        "What information",
        required=True,
        hint="What the decision is about, for example the risk assessment from the MACE panel",
        message=_model_message(SharingDecision, "what"),
    )
    with_whom = forms.ModelMultipleChoiceField(
        label="Who with",
        required=False,
        queryset=directory_selectors.agency_choices(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The agencies it was shared with, or would have been",
        error_messages={
            "invalid_choice": "Select agencies from the list",
            "invalid_pk_value": "Select agencies from the list",
        },
    )
    with_whom_other = _text("Anyone else", hint="Anyone not in the directory, like a GP practice")
    why = _textarea(
        "Why", required=True, hint="The reasons for the decision", message=_model_message(SharingDecision, "why")
    )
    lawful_basis = forms.ChoiceField(
        label="Lawful basis",
        choices=LawfulBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the lawful basis", "invalid_choice": "Select a lawful basis from the list"},
    )


class VoiceForm(forms.Form):
    working_well = _textarea("What is working well", hint="In their words")
    worries = _textarea("What worries them", hint="In their words")
    wants = _textarea("What they want to happen", hint="In their words")
    scale = forms.TypedChoiceField(
        label="How things are, from 0 to 10",
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        choices=[(n, f"{n} – {SCALE_ENDS[n]}" if n in SCALE_ENDS else str(n)) for n in range(11)],
        help_text="Ask them: 0 means things are really bad, 10 means everything is fine",
        error_messages={"invalid_choice": "Select a number from 0 to 10"},
    )


# --- break-glass and plans ----------------------------------------------------------------------


class BreakGlassForm(forms.Form):
    reason = _textarea(
        "Why do you need to see this record now?",
        required=True,
        hint="For example, the young person is missing and police have asked for help. Your reason is "
        "recorded and reported to the coordinators.",
        message="Give the reason you need to see this record",
    )


class BridgingReferralStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=BridgingReferral.Status.choices,
        error_messages={
            "required": "Select a status",
            "invalid_choice": "Select suggested, referred, accepted or declined",
        },
    )
