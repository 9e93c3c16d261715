"""Signing in and out, and resetting a password (Django's auth views, GOV.UK templates)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from .forms import SignInForm


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True
    extra_context = {"hide_sign_in_link": True}


class SignOutView(auth_views.LogoutView):
    """POST only (Django 5): a sign-out link cannot be triggered by another site."""


def signed_out(request):
    return render(request, "accounts/signed_out.html", {"hide_sign_in_link": True})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/emails/password_reset.txt"
    subject_template_name = "accounts/emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-sent")


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def user_list(request):
    return render(request, "accounts/sign_in.html")


def account(request):
    return render(request, "accounts/sign_in.html")


def token_list(request):
    return render(request, "accounts/sign_in.html")
