"""Sign-ins, sign-outs and failed sign-ins go to the audit trail."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import audit_record
from .models import AuditOutcome


@receiver(user_logged_in, dispatch_uid="joinedup_audit_login")
def _audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, action="accounts.session.sign_in", obj=user)


@receiver(user_logged_out, dispatch_uid="joinedup_audit_logout")
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="accounts.session.sign_out", obj=user)


@receiver(user_login_failed, dispatch_uid="joinedup_audit_login_failed")
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    # Never store the password; the username tried is kept so lockouts can be explained,
    # but only when it looks like an email address: a password typed into the wrong box
    # must not end up in the trail.
    tried = str(credentials.get("username") or credentials.get("email") or "")[:254]
    if "@" not in tried or " " in tried:
        tried = "(not an email address)"
    audit_record(
        actor=None,
        action="accounts.session.sign_in_failed",
        outcome=AuditOutcome.FAILURE,
        actor_label=tried,
        detail={"username": tried},
    )
