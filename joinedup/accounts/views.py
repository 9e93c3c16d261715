"""Signing in and out, and resetting a password (Django's auth views, GOV.UK templates)."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from joinedup.platform.access import require_capability, require_sign_in

from . import selectors, services
from .forms import (
    ROLE_DESCRIPTIONS,
    ApiTokenForm,
    PasswordChangeForm,
    PasswordResetForm,
    SignInForm,
    TwoFactorCodeForm,
    UserFilterForm,
    UserForm,
)
from .models import ApiToken, User


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True
    extra_context = {"hide_sign_in_link": True}

    def form_valid(self, form):
        auth_login(self.request, form.get_user())
        # A password proves only the first factor: any earlier code check in this session
        # no longer counts, and the count of wrong codes starts again.
        self.request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
        self.request.session.pop(TWO_FACTOR_FAILURES_KEY, None)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        url = super().get_success_url()
        if selectors.two_factor_enabled_for(self.request.user):
            return f"{reverse('accounts:two-factor-code')}?{urlencode({'next': url})}"
        return url


TWO_FACTOR_FAILURES_KEY = "joinedup_two_factor_failures"


def _safe_next(request, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


@require_http_methods(["GET", "POST"])
def two_factor_code(request):
    """The second step of signing in, for users with an authenticator app."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    next_url = _safe_next(request, reverse(settings.LOGIN_REDIRECT_URL))
    if request.user.is_verified() or not selectors.two_factor_enabled_for(request.user):
        return redirect(next_url)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        failures = int(request.session.get(TWO_FACTOR_FAILURES_KEY, 0))
        try:
            device = services.two_factor_sign_in_verify(
                actor=request.user, token=form.cleaned_data["token"], failures=failures
            )
        except ValidationError as exc:
            failures += 1
            if failures >= services.TWO_FACTOR_MAX_FAILURES:
                logout(request)
                messages.error(
                    request,
                    f"You entered a wrong code {failures} times, so we have signed you out. "
                    "Sign in again. If you no longer have your authenticator app, ask your partnership administrator.",
                )
                return redirect_to_login(next_url)
            request.session[TWO_FACTOR_FAILURES_KEY] = failures
            form.add_service_errors(exc)
        else:
            django_otp.login(request, device)
            request.session.pop(TWO_FACTOR_FAILURES_KEY, None)
            request.session.cycle_key()
            return redirect(next_url)
    return render(
        request,
        "accounts/two_factor_code.html",
        {"form": form, "next": next_url, "nav_items": []},
        status=200,
    )


class SignOutView(auth_views.LogoutView):
    """POST only (Django 5): a sign-out link cannot be triggered by another site."""


def signed_out(request):
    return render(request, "accounts/signed_out.html", {"hide_sign_in_link": True})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "accounts/emails/password_reset.txt"
    subject_template_name = "accounts/emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-sent")


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        # Through the service, so the change is audited (Django's form would save directly).
        services.user_password_reset(actor=form.user, user=form.user, new_password=form.cleaned_data["new_password1"])
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Users (administrators) -------------------------------------------------------------


def _user_or_404(request, pk: int) -> User:
    try:
        return selectors.user_get_for(request.user, pk)
    except User.DoesNotExist:
        raise Http404("No such user")


@require_capability("accounts.manage")
def user_list(request):
    form = UserFilterForm(request.GET or None, actor=request.user)
    role, agency_id = "", None
    if form.is_bound and form.is_valid():
        role = form.cleaned_data["role"] or ""
        agency_id = form.cleaned_data["agency"].pk if form.cleaned_data["agency"] else None
    users = selectors.user_search_for(request.user, role=role, agency_id=agency_id)
    return render(
        request,
        "accounts/user_list.html",
        {"form": form, "users": users, "filtered": bool(role or agency_id)},
    )


@require_capability("accounts.manage")
@require_http_methods(["GET", "POST"])
def user_add(request):
    form = UserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                agency=data["agency"],
                job_title=data["job_title"],
                phone=data["phone"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"{user} has been added. We have emailed {user.email} a link to set a password.")
            return redirect("accounts:user-detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "editing": None})


@require_capability("accounts.manage")
def user_detail(request, pk: int):
    subject = _user_or_404(request, pk)
    rows = [
        ("Name", subject.full_name),
        ("Email address", subject.email),
        ("Job title", subject.job_title),
        ("Phone number", subject.phone),
        ("Role", subject.role_label),
        ("What the role allows", ROLE_DESCRIPTIONS.get(subject.role, "")),
        ("Agency", subject.agency.name if subject.agency else ""),
        ("Status", "Active" if subject.is_active else "Deactivated"),
        ("Last signed in", subject.last_login),
    ]
    two_factor = selectors.two_factor_enabled_of(request.user, subject)
    rows.append(("Two-factor authentication", "On" if two_factor else "Off"))
    tokens = selectors.api_token_list_of(request.user, subject).filter(revoked_at__isnull=True)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "rows": rows,
            "tokens": tokens,
            "is_self": subject.pk == request.user.pk,
            "two_factor": two_factor,
        },
    )


@require_capability("accounts.manage")
@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int):
    subject = _user_or_404(request, pk)
    initial = {
        "full_name": subject.full_name,
        "email": subject.email,
        "job_title": subject.job_title,
        "phone": subject.phone,
        "role": subject.role,
        "agency": subject.agency,
    }
    form = UserForm(request.POST or None, initial=initial, actor=request.user, editing=subject)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        if form.fields["role"].disabled:
            fields.pop("role")
        try:
            services.user_update(actor=request.user, user=subject, **fields)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"{fields['full_name']}'s details have been saved.")
            return redirect("accounts:user-detail", pk=subject.pk)
    return render(request, "accounts/user_form.html", {"form": form, "editing": subject})


def _user_status_change(request, pk: int, *, deactivate: bool):
    subject = _user_or_404(request, pk)
    error = ""
    if request.method == "POST":
        try:
            if deactivate:
                services.user_deactivate(actor=request.user, user=subject)
                messages.success(request, f"{subject}'s account has been deactivated. They can no longer sign in.")
            else:
                services.user_reactivate(actor=request.user, user=subject)
                messages.success(request, f"{subject}'s account has been reactivated.")
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("accounts:user-detail", pk=subject.pk)
    return render(
        request,
        "accounts/user_status_confirm.html",
        {"subject": subject, "deactivate": deactivate, "error": error},
        status=400 if error else 200,
    )


@require_capability("accounts.manage")
@require_http_methods(["GET", "POST"])
def user_deactivate(request, pk: int):
    return _user_status_change(request, pk, deactivate=True)


@require_capability("accounts.manage")
@require_http_methods(["GET", "POST"])
def user_reactivate(request, pk: int):
    return _user_status_change(request, pk, deactivate=False)


@require_capability("accounts.manage")
@require_http_methods(["GET", "POST"])
def user_two_factor_reset(request, pk: int):
    """For someone who has lost the phone with their authenticator app."""
    subject = _user_or_404(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.user_two_factor_reset(actor=request.user, user=subject)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                f"Two-factor authentication is now off for {subject}. They can sign in with their password "
                "and set it up again from their account page.",
            )
            return redirect("accounts:user-detail", pk=subject.pk)
    return render(
        request,
        "accounts/user_two_factor_reset.html",
        {
            "subject": subject,
            "two_factor": selectors.two_factor_enabled_of(request.user, subject),
            "error": error,
        },
        status=400 if error else 200,
    )


# --- Your account (every signed-in user) --------------------------------------------------


@require_sign_in
def account(request):
    user = request.user
    rows = [
        ("Name", user.full_name),
        ("Email address", user.email),
        ("Job title", user.job_title),
        ("Phone number", user.phone),
        ("Role", user.role_label),
        ("What your role allows", ROLE_DESCRIPTIONS.get(user.role, "")),
        ("Agency", user.agency.name if user.agency else ""),
    ]
    two_factor = selectors.two_factor_enabled_for(user)
    return render(request, "accounts/account.html", {"rows": rows, "two_factor": two_factor})


@require_sign_in
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Set up an authenticator app: show the key, then check a code from the app."""
    if selectors.two_factor_enabled_for(request.user):
        messages.info(request, "Two-factor authentication is already on for your account.")
        return redirect("accounts:account")
    device = selectors.totp_device_pending_for(request.user)
    if device is None:
        device = services.totp_device_start(actor=request.user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_device_confirm(actor=request.user, token=form.cleaned_data["token"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            # This session has just proved it holds the app: count it as verified.
            django_otp.login(request, device)
            messages.success(
                request,
                "Two-factor authentication is on. Next time you sign in, we will ask for a code from your app.",
            )
            return redirect("accounts:account")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "setup": selectors.totp_setup_details(device)},
    )


@require_sign_in
@require_http_methods(["GET", "POST"])
def two_factor_turn_off(request):
    if not selectors.two_factor_enabled_for(request.user):
        messages.info(request, "Two-factor authentication is already off for your account.")
        return redirect("accounts:account")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_remove(actor=request.user, token=form.cleaned_data["token"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Two-factor authentication is off. You will sign in with your password only.")
            return redirect("accounts:account")
    return render(request, "accounts/two_factor_turn_off.html", {"form": form})


@require_sign_in
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_change(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "Your password has been changed.")
            return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


# --- Personal API tokens ----------------------------------------------------------------


@require_capability("api.tokens")
def token_list(request):
    return render(request, "accounts/token_list.html", {"tokens": selectors.api_token_list_for(request.user)})


@require_capability("api.tokens")
@require_http_methods(["GET", "POST"])
def token_create(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.api_token_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            # Rendered, not redirected: the secret lives only in this one response (never cached).
            return render(request, "accounts/token_created.html", {"token": token, "raw_token": raw})
    return render(request, "accounts/token_form.html", {"form": form})


@require_capability("api.tokens")
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk: int):
    try:
        token = selectors.api_token_get_for(request.user, pk)
    except ApiToken.DoesNotExist:
        raise Http404("No such token")
    own = token.user_id == request.user.pk
    back = reverse("accounts:token-list") if own else reverse("accounts:user-detail", kwargs={"pk": token.user_id})
    error = ""
    if request.method == "POST":
        try:
            services.api_token_revoke(actor=request.user, token=token)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"The token '{token.name}' has been revoked. It no longer works.")
            return redirect(back)
    return render(
        request,
        "accounts/token_revoke.html",
        {"token": token, "own": own, "back": back, "error": error},
        status=400 if error else 200,
    )
