"""Sign-ins, sign-outs and failed sign-ins go to the audit trail."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import audit_record
from .models import AuditOutcome


@receiver(user_logged_in, dispatch_uid="joinedup_audit_login")
def _audit_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        # The 12-hour limit runs from signing in, not from the first page after it.
        from django.utils import timezone

        from .middleware import SESSION_LAST_SEEN_KEY, SESSION_STARTED_KEY

        now = timezone.now().isoformat()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_LAST_SEEN_KEY] = now
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
        object_type="accounts.user",
        object_repr=tried,
        detail={"username": tried},
    )


@receiver(user_locked_out, dispatch_uid="joinedup_audit_locked_out")
def _audit_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """django-axes locked an account after too many failures: say so, distinctly."""
    tried = str(username or "")[:254]
    if "@" not in tried or " " in tried:
        tried = "(not an email address)"
    audit_record(
        actor=None,
        action="accounts.session.lock_out",
        outcome=AuditOutcome.DENIED,
        actor_label=tried,
        object_type="accounts.user",
        object_repr=tried,
        detail={"username": tried, "ip_address": str(ip_address or "")},
    )
