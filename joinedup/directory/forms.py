"""Directory forms. They check what a person typed; the services do the writing."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from joinedup.web.forms import CsvFileField

from . import selectors, services, silo
from .models import (
    AGE_LIMIT,
    Agency,
    AgencyKind,
    Audience,
    DistributionList,
    Forum,
    ForumFrequency,
    ForumKind,
    ForumRole,
    Service,
)

_AGE_MESSAGES = {
    "invalid": "%(label)s must be a whole number, like 18",
    "min_value": "%(label)s must be 0 or more",
    "max_value": f"%(label)s must be {AGE_LIMIT} or less",
}


def _number_widget(width: str = "3", mode: str = "numeric") -> forms.TextInput:
    """GOV.UK asks for text inputs with a numeric keyboard rather than type=number."""
    return forms.TextInput(attrs={"inputmode": mode, "data-width": width, "spellcheck": "false"})


def _age_field(label: str, hint: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=AGE_LIMIT,
        help_text=hint,
        widget=_number_widget(),
        error_messages={key: message % {"label": label} for key, message in _AGE_MESSAGES.items()},
    )


class AgencyForm(forms.ModelForm):
    name = forms.CharField(
        label="Name",
        max_length=200,
        error_messages={"required": "Enter the agency’s name", "max_length": "Name must be 200 characters or fewer"},
    )
    code = forms.CharField(
        label="Code",
        max_length=50,
        help_text="A short reference used in files, like harbourside-police. Lower-case letters, numbers and hyphens.",
        error_messages={"required": "Enter a code for the agency", "max_length": "Code must be 50 characters or fewer"},
    )
    kind = forms.ChoiceField(
        label="What kind of agency is it?",
        choices=AgencyKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what kind of agency it is",
            "invalid_choice": "Select a kind from the list",
        },
    )
    description = forms.CharField(
        label="What the agency does", required=False, widget=forms.Textarea, help_text="In plain English"
    )
    website = forms.URLField(
        label="Website",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a website address in the correct format, like https://www.example.org"},
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        help_text="A general contact address",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org"},
    )
    phone = forms.CharField(label="Phone number", required=False, max_length=40)
    is_active = forms.BooleanField(label="The agency is active in the partnership", required=False, initial=True)

    class Meta:
        model = Agency
        fields = list(services.AGENCY_FIELDS)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().lower()


class ServiceForm(forms.ModelForm):
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=selectors.agency_choices(),
        empty_label="Select an agency",
        error_messages={"required": "Select the agency that runs the service", "invalid_choice": "Select an agency"},
    )
    code = forms.CharField(
        label="Service ID",
        max_length=50,
        help_text="The service_id used in files and the API, like yot-intervention. "
        "Lower-case letters, numbers and hyphens.",
        error_messages={
            "required": "Enter a service ID",
            "max_length": "Service ID must be 50 characters or fewer",
        },
    )
    name = forms.CharField(
        label="Name",
        max_length=200,
        error_messages={
            "required": "Enter the service’s name",
            "max_length": "Name must be 200 characters or fewer",
        },
    )
    remit = forms.CharField(
        label="What the service does",
        widget=forms.Textarea,
        help_text="Its remit, in plain English",
        error_messages={"required": "Enter what the service does"},
    )
    audience = forms.ChoiceField(
        label="Who is the service for?",
        choices=Audience.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who the service is for"},
    )
    min_age = _age_field("Minimum age", "The youngest age the service works with, in years")
    max_age = _age_field("Maximum age", "The oldest age the service works with, in years")
    needs = forms.CharField(
        label="Needs",
        required=False,
        help_text="The needs the service meets, separated by semicolons, for example: mental-health; exploitation",
    )
    threshold = forms.CharField(
        label="Threshold", required=False, widget=forms.Textarea, help_text="Who meets the threshold, in words"
    )
    referral_route = forms.CharField(label="How to refer", required=False, widget=forms.Textarea)
    ends_at_age = _age_field(
        "Age support ends", "Support ends on this birthday. Leave empty if it does not end at an age."
    )
    max_extension_days = forms.IntegerField(
        label="Longest extension, in days",
        min_value=0,
        max_value=3650,
        initial=0,
        widget=_number_widget("4"),
        help_text="How far an ending may be put back, for example 183 for about 6 months. Enter 0 if it cannot.",
        error_messages={
            "required": "Enter the longest extension in days, or 0",
            "invalid": "Longest extension must be a whole number of days, like 90",
            "min_value": "Longest extension must be 0 or more",
            "max_value": "Longest extension must be 3650 days (10 years) or less",
        },
    )
    default_weight = forms.DecimalField(
        label="Weight",
        max_digits=5,
        decimal_places=2,
        widget=_number_widget("4", "decimal"),
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        initial=1,
        help_text="How much support one involvement gives, used in the cliff-edge forecast. 1 is usual.",
        error_messages={
            "required": "Enter a weight, like 1",
            "invalid": "Weight must be a number, like 1 or 0.5",
            "min_value": "Weight must be more than 0",
            "max_value": "Weight must be 100 or less",
            "max_decimal_places": "Weight must have no more than 2 decimal places",
            "max_digits": "Weight must be 100 or less",
        },
    )
    contact_email = forms.EmailField(
        label="Contact email address",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org"},
    )
    contact_phone = forms.CharField(label="Contact phone number", required=False, max_length=40)
    is_public = forms.BooleanField(label="Show the service in the public directory", required=False, initial=True)
    is_active = forms.BooleanField(label="The service is running", required=False, initial=True)

    class Meta:
        model = Service
        fields = list(services.SERVICE_FIELDS)

    field_order = [
        "agency",
        "code",
        "name",
        "remit",
        "audience",
        "min_age",
        "max_age",
        "needs",
        "threshold",
        "referral_route",
        "ends_at_age",
        "max_extension_days",
        "default_weight",
        "contact_email",
        "contact_phone",
        "is_public",
        "is_active",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["data-width"] = "20"
        if self.instance.pk and not self.is_bound:
            self.initial["needs"] = "; ".join(self.instance.needs.values_list("slug", flat=True))

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().lower()

    def clean_needs(self) -> list[str]:
        return services.need_slugs_parse(self.cleaned_data.get("needs"))

    def service_fields(self) -> dict:
        """The cleaned values the service functions take (needs apart)."""
        return {name: self.cleaned_data[name] for name in services.SERVICE_FIELDS}


class _ServiceSearchForm(forms.Form):
    """Search and filters for a list of services (GET). Each one is optional; an invalid one
    is shown as an error and ignored, and the valid ones still apply."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Words in the service’s name or in what it does, like counselling",
        error_messages={"max_length": "Search must be 100 characters or fewer"},
    )
    age = forms.IntegerField(
        label="Age",
        required=False,
        min_value=0,
        max_value=AGE_LIMIT,
        widget=_number_widget(),
        help_text="Services that work with young people of this age",
        error_messages={
            "invalid": "Age must be a whole number, like 17",
            "min_value": "Age must be 0 or more",
            "max_value": f"Age must be {AGE_LIMIT} or less",
        },
    )
    need = forms.MultipleChoiceField(
        label="Needs",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Services that meet any of the needs you select",
        error_messages={"invalid_choice": "Select needs from the list"},
    )

    def _need_choices(self, needs) -> None:
        self.fields["need"].choices = [(n.slug, str(n)) for n in needs]

    def filters(self) -> dict:
        """The valid filters, ready for ``selectors.service_filter``."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        filters = {"text": data.get("q") or None, "age": data.get("age"), "needs": data.get("need") or []}
        if "audience" in self.fields:
            filters["audience"] = data.get("audience") or None
        if "agency" in self.fields:
            filters["agency"] = int(data["agency"]) if data.get("agency") else None
        return filters

    def is_filtered(self) -> bool:
        return any(value not in (None, "", []) for value in self.filters().values())


class ServiceFilterForm(_ServiceSearchForm):
    """The signed-in service list's search and filters."""

    audience = forms.ChoiceField(
        label="Who for",
        required=False,
        choices=[("", "Anyone"), *Audience.choices],
        error_messages={"invalid_choice": "Select who the service is for from the list"},
    )
    agency = forms.ChoiceField(label="Agency", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._need_choices(selectors.need_list())
        self.fields["agency"].choices = [("", "Any agency")] + [
            (str(a.pk), a.name) for a in selectors.agency_list_for(user)
        ]
        self.fields["agency"].error_messages["invalid_choice"] = "Select an agency from the list"


class PublicServiceSearchForm(_ServiceSearchForm):
    """The public directory's search: by words, age and needs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["age"].help_text = "Services that work with people of this age, in years"
        self._need_choices(selectors.public_need_list())


class ImportForm(forms.Form):
    file = CsvFileField(
        label="Upload a services file", help_text="A CSV file saved as UTF-8, up to 10 MB and 50,000 rows."
    )


class OpenReferralImportForm(forms.Form):
    file = forms.FileField(
        label="Upload an Open Referral UK file",
        help_text="A JSON file, up to 10 MB, like one exported from this directory.",
        error_messages={
            "required": "Select a JSON file to upload",
            "empty": "The selected file is empty",
            "invalid": "Select a JSON file to upload",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".json"):
            raise ValidationError("The selected file must be a JSON file, ending .json")
        return upload


# --- forums and distribution lists ---------------------------------------------------------


class ForumForm(forms.ModelForm):
    name = forms.CharField(
        label="Name",
        max_length=200,
        error_messages={"required": "Enter the forum’s name", "max_length": "Name must be 200 characters or fewer"},
    )
    code = forms.CharField(
        label="Code",
        max_length=50,
        help_text="A short reference, like mace-panel. Lower-case letters, numbers and hyphens.",
        error_messages={"required": "Enter a code for the forum", "max_length": "Code must be 50 characters or fewer"},
    )
    kind = forms.ChoiceField(
        label="What kind of forum is it?",
        choices=ForumKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of forum it is", "invalid_choice": "Select a kind from the list"},
    )
    purpose = forms.CharField(
        label="Purpose",
        widget=forms.Textarea,
        help_text="Why the forum meets, in plain English",
        error_messages={"required": "Enter the forum’s purpose"},
    )
    terms_of_reference = forms.CharField(label="Terms of reference", required=False, widget=forms.Textarea)
    frequency = forms.ChoiceField(
        label="How often does it meet?",
        choices=ForumFrequency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how often the forum meets", "invalid_choice": "Select from the list"},
    )
    chair_agency = forms.ModelChoiceField(
        label="Chair agency",
        queryset=selectors.agency_choices(),
        empty_label="Select an agency",
        help_text="The agency that chairs the forum. It becomes a member, as chair.",
        error_messages={"required": "Select the agency that chairs the forum", "invalid_choice": "Select an agency"},
    )
    is_active = forms.BooleanField(label="The forum is meeting", required=False, initial=True)

    class Meta:
        model = Forum
        fields = list(services.FORUM_FIELDS)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().lower()


class ForumMembershipForm(forms.Form):
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.none(),
        empty_label="Select an agency",
        error_messages={"required": "Select the agency to add", "invalid_choice": "Select an agency from the list"},
    )
    role_in_forum = forms.ChoiceField(
        label="What is its role in the forum?",
        choices=[(value, label) for value, label in ForumRole.choices if value != ForumRole.CHAIR],
        widget=forms.RadioSelect,
        initial=ForumRole.MEMBER,
        error_messages={"required": "Select the agency’s role in the forum", "invalid_choice": "Select a role"},
    )

    def __init__(self, *args, forum, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = selectors.forum_membership_agency_choices(forum)


class ContactsOfferForm(forms.Form):
    people = forms.MultipleChoiceField(
        label="Who should be added to the list?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one person to add, or choose not to add anyone",
            "invalid_choice": "Select people from the list",
        },
    )

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [
            (str(c.user_id), f"{c.name}, {c.job_title}, {c.email}" if c.job_title else f"{c.name}, {c.email}")
            for c in contacts
        ]


class DistributionListForm(forms.ModelForm):
    name = forms.CharField(
        label="Name",
        max_length=200,
        error_messages={"required": "Enter the list’s name", "max_length": "Name must be 200 characters or fewer"},
    )
    purpose = forms.CharField(label="What the list is for", required=False, widget=forms.Textarea)
    forum = forms.ModelChoiceField(
        label="Forum",
        required=False,
        queryset=selectors.forum_choices(),
        empty_label="Not linked to a forum",
        help_text="When an agency joins this forum, you will be offered its people to add to the list",
        error_messages={"invalid_choice": "Select a forum from the list"},
    )

    class Meta:
        model = DistributionList
        fields = list(services.DISTRIBUTION_LIST_FIELDS)


class DistributionListMemberForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        error_messages={"required": "Enter the person’s name", "max_length": "Name must be 200 characters or fewer"},
    )
    role = forms.CharField(label="Role", required=False, max_length=200, help_text="Their job title or role")
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=selectors.agency_choices(),
        empty_label="Select an agency",
        error_messages={"required": "Select the person’s agency", "invalid_choice": "Select an agency"},
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter the person’s email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )


class SiloMapForm(forms.Form):
    """The silo map's one choice (GET): how many young people two agencies must share to be
    listed as sharing children but not tables. A number this viewer may not use is an error,
    and the page then shows the partnership's default."""

    min_shared = forms.IntegerField(
        label="Young people shared",
        required=False,
        widget=_number_widget("4"),
        error_messages={"invalid": "Enter the number of young people as a whole number, like 5"},
    )

    def __init__(self, *args, admin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.admin = admin
        lowest = silo.lowest_min_shared(admin=admin)
        self.fields["min_shared"].help_text = (
            f"List pairs of agencies that share at least this many young people but sit on no forum together. "
            f"{lowest} or more; empty uses the partnership’s setting."
        )

    def clean_min_shared(self):
        value = self.cleaned_data.get("min_shared")
        if value is None:
            return None
        try:
            return silo.effective_min_shared(value, admin=self.admin)
        except silo.MinSharedError as error:
            raise ValidationError(str(error)) from error
