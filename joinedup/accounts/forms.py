"""Forms for signing in, managing users, passwords and API tokens, with the words users see."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm

from joinedup.directory.selectors import agency_list_for
from joinedup.platform.access import Role
from joinedup.web.forms import apply_service_errors

from . import selectors
from .models import normalise_email

ROLE_DESCRIPTIONS: dict[str, str] = {
    Role.ADMIN: "Manages users, agencies, the directory, retention and settings. Reads the audit trail.",
    Role.COORDINATOR: "Runs the multi-agency child exploitation (MACE) and transitions panels.",
    Role.PRACTITIONER: "Social worker, youth worker, police officer, school safeguarding lead or nurse. "
    "Sees in full only the young people their agency works with.",
    Role.STRATEGIC_LEAD: "Partnership board member. Sees aggregates, measures and plans, no individual records.",
    Role.ANALYST: "Works with pseudonymised row-level data and aggregates. Never sees names.",
    Role.MODERATOR: "Community engagement officer: triages public feedback and publishes 'You said, we did'.",
}


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false", "autofocus": True}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password. Both are case-sensitive for passwords.",
        "inactive": "This account has been switched off. Ask your partnership administrator.",
    }

    def clean_username(self):
        return normalise_email(self.cleaned_data["username"])


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's, but a new user who has not yet chosen a password can ask for the link again."""

    def get_users(self, email):
        return iter(selectors.active_users_with_email(email))


class ServiceErrorsMixin:
    def add_service_errors(self, exc) -> None:
        apply_service_errors(self, exc)


class UserForm(ServiceErrorsMixin, forms.Form):
    """Add or change a user. The role is drawn as radios, each with its description."""

    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the person's full name"},
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We will email a link to this address so they can choose their own password.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter an email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    phone = forms.CharField(
        label="Phone number",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "tel", "data-width": "20"}),
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        widget=forms.RadioSelect,
        help_text="What the person may see and do.",
        error_messages={"required": "Select a role", "invalid_choice": "Select a role"},
    )
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=None,
        empty_label="Select an agency",
        error_messages={"required": "Select the agency the person works for", "invalid_choice": "Select an agency"},
    )

    def __init__(self, *args, actor, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agency_list_for(actor)
        if editing is not None:
            self.fields["email"].help_text = ""
            if editing.pk == actor.pk:
                self.fields["role"].disabled = True
                self.fields["role"].help_text = "You cannot change your own role. Ask another administrator."

    def role_options(self):
        """(value, label, description, checked, id) for each role, for the template's radios."""
        bound = self["role"]
        value = str(bound.value() or "")
        options = []
        for index, (choice, label) in enumerate(Role.choices):
            item_id = bound.auto_id if index == 0 else f"{bound.auto_id}-{index + 1}"
            options.append(
                {
                    "value": choice,
                    "label": label,
                    "description": ROLE_DESCRIPTIONS.get(choice, ""),
                    "checked": choice == value,
                    "id": item_id,
                }
            )
        return options


class UserFilterForm(forms.Form):
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "All roles"), *Role.choices])
    agency = forms.ModelChoiceField(label="Agency", required=False, queryset=None, empty_label="All agencies")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agency_list_for(actor)


class PasswordChangeForm(ServiceErrorsMixin, forms.Form):
    old_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your current password"},
    )
    new_password = forms.CharField(
        label="New password",
        strip=False,
        help_text="Use at least 12 characters. Avoid common passwords and your name or email address.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a new password"},
    )
    confirm_password = forms.CharField(
        label="Confirm new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter your new password again"},
    )

    def clean(self):
        cleaned = super().clean()
        new, confirm = cleaned.get("new_password"), cleaned.get("confirm_password")
        if new and confirm and new != confirm:
            self.add_error("confirm_password", "The passwords do not match")
        return cleaned


class ApiTokenForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What the token is for, so you can recognise it later. For example, 'Monthly report script'.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": "Enter a name for the token",
            "max_length": "Name must be 100 characters or fewer",
        },
    )


class TwoFactorCodeForm(ServiceErrorsMixin, forms.Form):
    """A 6-digit code from an authenticator app (spaces are allowed: some apps show '123 456')."""

    token = forms.CharField(
        label="Enter the 6-digit code from your app",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "autocapitalize": "off",
                "data-width": "5",
            }
        ),
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app",
            "max_length": "The code must be 6 digits, like 123456",
        },
    )

    def __init__(self, *args, label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["token"].label = label
