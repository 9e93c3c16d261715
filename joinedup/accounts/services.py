"""Writes to users, API tokens and two-factor devices. Each is atomic and audited in the same transaction.

Business-rule failures raise ``django.core.exceptions.ValidationError`` with words a
person can act on (forms attach them to the field they name); an actor without the
capability gets ``PermissionDenied``. Audit details never hold a secret or a hash.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.directory.models import Agency, AgencyKind
from joinedup.platform.access import Role, ensure_capability, has_capability
from joinedup.platform.audit import audit_record
from joinedup.platform.models import AuditOutcome

from .models import ApiToken, User, hash_token, normalise_email

MAX_ACTIVE_TOKENS = 10
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
USER_EDITABLE_FIELDS = ("email", "full_name", "job_title", "phone", "role", "agency")


def _check_email_free(email: str, *, exclude_pk: int | None = None) -> None:
    qs = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationError({"email": "There is already a user with this email address"})


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": "Select a role"})


def _other_active_admins_exist(user: User) -> bool:
    """Lock the active administrators' rows, then ask whether one other than ``user`` remains."""
    admins = list(User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True))
    return any(pk != user.pk for pk in admins)


def _last_admin_error(user: User) -> ValidationError:
    return ValidationError(
        f"{user} is the only active partnership administrator. "
        "Make someone else an administrator first, so someone can still manage users."
    )


def _invitation_link(user: User, base_url: str) -> str:
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{base_url.rstrip('/')}{path}"


def _send_invitation(user: User, base_url: str) -> None:
    context = {
        "user": user,
        "link": _invitation_link(user, base_url),
        "partnership_name": settings.PARTNERSHIP_NAME,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    send_mail(
        subject=render_to_string("accounts/emails/invitation_subject.txt", context).strip(),
        message=render_to_string("accounts/emails/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def user_create(
    *, actor, email: str, full_name: str, role: str, agency, job_title: str = "", phone: str = "", base_url: str = ""
) -> User:
    """Create a user with no password and email them a link to choose one.

    The email goes once the transaction commits, so a rolled-back create sends nothing.
    ``base_url`` (such as ``https://joinedup.example.org``) makes the link absolute.
    """
    ensure_capability(actor, "accounts.manage")
    email = normalise_email(email)
    full_name = (full_name or "").strip()
    if not email:
        raise ValidationError({"email": "Enter an email address"})
    if not full_name:
        raise ValidationError({"full_name": "Enter the person's full name"})
    _check_role(role)
    with transaction.atomic():
        _check_email_free(email)
        user = User(
            email=email,
            full_name=full_name,
            role=role,
            agency=agency,
            job_title=(job_title or "").strip(),
            phone=(phone or "").strip(),
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        audit_record(
            actor=actor,
            action="accounts.user.create",
            obj=user,
            detail={"email": user.email, "role": user.role, "agency_id": getattr(agency, "pk", None)},
        )
        transaction.on_commit(lambda: _send_invitation(user, base_url))
    return user


def user_update(*, actor, user: User, **fields) -> User:
    """Change a user's details, role or agency. Returns the user; audits what changed."""
    ensure_capability(actor, "accounts.manage")
    unknown = set(fields) - set(USER_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"user_update cannot change {', '.join(sorted(unknown))}")
    if "email" in fields:
        fields["email"] = normalise_email(fields["email"])
        if not fields["email"]:
            raise ValidationError({"email": "Enter an email address"})
    if "full_name" in fields:
        fields["full_name"] = (fields["full_name"] or "").strip()
        if not fields["full_name"]:
            raise ValidationError({"full_name": "Enter the person's full name"})
    if "role" in fields:
        _check_role(fields["role"])
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        changed: dict[str, list] = {}
        for name, value in fields.items():
            old = getattr(user, name)
            if name == "agency":
                old_id, new_id = getattr(old, "pk", None), getattr(value, "pk", None)
                if old_id != new_id:
                    changed["agency_id"] = [old_id, new_id]
                    user.agency = value
                continue
            if isinstance(value, str):
                value = value.strip()
            if old != value:
                changed[name] = [old, value]
                setattr(user, name, value)
        if not changed:
            return user
        if "role" in changed and user.pk == actor.pk:
            raise ValidationError({"role": "You cannot change your own role. Ask another administrator."})
        if "email" in changed:
            _check_email_free(user.email, exclude_pk=user.pk)
        if (
            "role" in changed
            and changed["role"][0] == Role.ADMIN
            and user.is_active
            and not _other_active_admins_exist(user)
        ):
            raise _last_admin_error(user)
        user.full_clean(exclude=["password"])
        user.save()
        audit_record(actor=actor, action="accounts.user.update", obj=user, detail={"changed": changed})
    return user


def user_deactivate(*, actor, user: User) -> User:
    """Switch an account off: the person can no longer sign in or use their API tokens."""
    ensure_capability(actor, "accounts.manage")
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate your own account. Ask another administrator.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise ValidationError(f"{user}'s account is already deactivated.")
        if user.role == Role.ADMIN and not _other_active_admins_exist(user):
            raise _last_admin_error(user)
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="accounts.user.deactivate", obj=user, detail={"email": user.email})
    return user


def user_reactivate(*, actor, user: User) -> User:
    ensure_capability(actor, "accounts.manage")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active:
            raise ValidationError(f"{user}'s account is already active.")
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="accounts.user.reactivate", obj=user, detail={"email": user.email})
    return user


def user_password_change(*, actor, old_password: str, new_password: str) -> User:
    """The signed-in user changes their own password (Django's validators decide what is strong enough)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("Sign in to change your password")
    if not actor.check_password(old_password or ""):
        raise ValidationError({"old_password": "Your current password is incorrect"})
    try:
        validate_password(new_password, user=actor)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages})
    if old_password == new_password:
        raise ValidationError({"new_password": "Your new password must be different from your current password"})
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        audit_record(actor=actor, action="accounts.user.password_change", obj=actor, detail={})
    return actor


def user_password_reset(*, actor, user: User, new_password: str) -> User:
    """Set a password from an emailed link (a reset, or an invited user's first password).

    The link proved who ``actor`` is, so ``actor`` is the user themself. Every password
    reset is audited; the password and its hash never are."""
    if actor is None or actor.pk != user.pk or not user.is_active:
        raise PermissionDenied("A password can only be reset by the person the link was sent to")
    validate_password(new_password, user=user)
    with transaction.atomic():
        first = not user.has_usable_password()
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(
            actor=actor,
            action="accounts.user.password_set" if first else "accounts.user.password_reset",
            obj=user,
            detail={"email": user.email},
        )
    return user


def first_admin_create(*, email: str, full_name: str, agency_name: str, base_url: str = "") -> User:
    """The first administrator of a new installation, from the command line.

    Refused once an active administrator exists: after that, administrators add users
    through the product. Creates the partnership's own agency when it is not there yet,
    and emails the set-password link like any invitation."""
    with transaction.atomic():
        if User.objects.filter(role=Role.ADMIN, is_active=True).exists():
            raise ValidationError("There is already an active administrator. Ask them to add you under Users.")
        agency_name = (agency_name or "").strip()
        if not agency_name:
            raise ValidationError({"agency": "Enter the name of the partnership's own agency"})
        agency = Agency.objects.filter(name__iexact=agency_name).first()
        if agency is None:
            agency = Agency(name=agency_name, code=slugify(agency_name)[:50] or "partnership", kind=AgencyKind.OTHER)
            agency.full_clean()
            agency.save()
            audit_record(actor=None, actor_label="joinedup create-admin", action="directory.agency.create", obj=agency)
        email = normalise_email(email)
        _check_email_free(email)
        user = User(email=email, full_name=(full_name or "").strip(), role=Role.ADMIN, agency=agency)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        audit_record(
            actor=None,
            actor_label="joinedup create-admin",
            action="accounts.user.create",
            obj=user,
            detail={"email": user.email, "role": user.role, "agency_id": agency.pk, "first_admin": True},
        )
        transaction.on_commit(lambda: _send_invitation(user, base_url))
    return user


def _new_raw_token() -> tuple[str, str]:
    prefix = f"ju_{secrets.token_hex(4)}"
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def api_token_create(*, actor, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token. Returns the token and its secret, which is never stored."""
    ensure_capability(actor, "api.tokens")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the token"})
    if len(name) > 100:
        raise ValidationError({"name": "Name must be 100 characters or fewer"})
    with transaction.atomic():
        # Lock the owner's row so two requests at once cannot both take the tenth place.
        User.objects.select_for_update().filter(pk=actor.pk).exists()
        active = ApiToken.objects.filter(user_id=actor.pk, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                f"You already have {MAX_ACTIVE_TOKENS} active tokens. Revoke one you no longer use first."
            )
        prefix, raw = _new_raw_token()
        token = ApiToken.objects.create(user=actor, name=name, prefix=prefix, token_hash=hash_token(raw))
        audit_record(actor=actor, action="accounts.apitoken.create", obj=token, detail={"name": name, "prefix": prefix})
    return token, raw


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token: your own, or anyone's if you manage accounts."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Sign in to revoke a token")
    if token.user_id != actor.pk and not has_capability(actor, "accounts.manage"):
        raise PermissionDenied("You can only revoke your own tokens")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise ValidationError("This token has already been revoked.")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="accounts.apitoken.revoke",
            obj=token,
            detail={"name": token.name, "prefix": token.prefix, "owner_id": token.user_id},
        )
    return token


def api_token_mark_used(*, token: ApiToken) -> None:
    """Record that a token was used, at most once a minute.

    Bookkeeping rather than a change anyone makes, so not audited (refused API calls are,
    by ``AuditDeniedMiddleware``). A conditional UPDATE: no read, no lock, no race.
    """
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_TOUCH_INTERVAL)
    ).update(last_used_at=now)
    token.last_used_at = now


# --- Two-factor authentication (an authenticator app, TOTP) --------------------------------

TWO_FACTOR_MAX_FAILURES = 10
_TOKEN_DIGITS = 6


def _clean_token(token: str) -> str:
    """The code as typed, without the spaces and dashes some apps show between the digits."""
    return "".join(ch for ch in str(token or "") if ch not in " -\u00a0")


def _check_token_format(token: str, *, field: str = "token") -> str:
    token = _clean_token(token)
    if not token:
        raise ValidationError({field: "Enter the 6-digit code from your authenticator app"})
    if not token.isdigit() or len(token) != _TOKEN_DIGITS:
        raise ValidationError({field: "The code must be 6 digits, like 123456"})
    return token


def _throttle_message(device: TOTPDevice) -> str | None:
    """Words for a device that django-otp is making wait after wrong codes, else None."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    until = (data or {}).get("locked_until")
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
    return f"You have entered too many wrong codes. Wait {seconds} second{'' if seconds == 1 else 's'}, then try again."


def _signed_in(actor) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("Sign in to manage two-factor authentication")


def totp_device_start(*, actor) -> TOTPDevice:
    """Begin setting up an authenticator app: a new, unconfirmed device with a fresh secret.

    Any earlier unconfirmed device of the actor's is replaced, so only the newest key works.
    It does nothing at sign-in until ``totp_device_confirm`` checks a code from it.
    """
    _signed_in(actor)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).exists()
        if TOTPDevice.objects.filter(user_id=actor.pk, confirmed=True).exists():
            raise ValidationError("Two-factor authentication is already on for your account.")
        TOTPDevice.objects.filter(user_id=actor.pk, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)
        audit_record(actor=actor, action="accounts.two_factor.start", obj=actor, detail={"device_id": device.pk})
    return device


def totp_device_confirm(*, actor, token: str) -> TOTPDevice:
    """Turn two-factor authentication on, once a code from the new device checks out."""
    _signed_in(actor)
    token = _check_token_format(token)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user_id=actor.pk, confirmed=False).order_by("-pk").first()
        )
        if device is None:
            raise ValidationError("Start setting up two-factor authentication again: your key has expired.")
        # A wrong code is counted on the device (django-otp's throttle), so that write must
        # commit: the error is raised only once the transaction is over.
        error = _throttle_message(device)
        if not error and not device.verify_token(token):
            error = "The code is not correct. Check the key in your app and enter the newest code."
        if not error:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit_record(actor=actor, action="accounts.two_factor.enable", obj=actor, detail={"device_id": device.pk})
    if error:
        raise ValidationError({"token": error})
    return device


def totp_device_remove(*, actor, token: str) -> None:
    """Turn two-factor authentication off. Needs a current code, so a borrowed session cannot."""
    _signed_in(actor)
    token = _check_token_format(token)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user_id=actor.pk, confirmed=True).first()
        if device is None:
            raise ValidationError("Two-factor authentication is already off for your account.")
        error = _throttle_message(device)
        if not error and not device.verify_token(token):
            error = "The code is not correct. Enter the newest code from your authenticator app."
        if not error:
            removed = list(TOTPDevice.objects.filter(user_id=actor.pk).values_list("pk", flat=True))
            TOTPDevice.objects.filter(user_id=actor.pk).delete()
            audit_record(actor=actor, action="accounts.two_factor.disable", obj=actor, detail={"device_ids": removed})
    if error:
        raise ValidationError({"token": error})


def user_two_factor_reset(*, actor, user: User) -> User:
    """An administrator turns someone's two-factor authentication off (a lost or new phone).

    The person signs in with their password alone until they set it up again."""
    ensure_capability(actor, "accounts.manage")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        removed = list(TOTPDevice.objects.filter(user_id=user.pk).values_list("pk", flat=True))
        if not TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists():
            raise ValidationError(f"{user} does not have two-factor authentication turned on.")
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        audit_record(
            actor=actor,
            action="accounts.two_factor.reset",
            obj=user,
            detail={"email": user.email, "device_ids": removed},
        )
    return user


def two_factor_sign_in_verify(*, actor, token: str, failures: int = 0) -> TOTPDevice:
    """Check the code a signed-in-by-password user typed at sign-in.

    Returns their device (for ``django_otp.login``). A wrong code raises ValidationError and
    is audited as a failure; ``failures`` is how many wrong codes came before this one in
    this sign-in, so the trail shows the count that ends in being signed out.
    """
    _signed_in(actor)
    token = _clean_token(token)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user_id=actor.pk, confirmed=True).first()
        if device is None:
            raise ValidationError("Two-factor authentication is not on for your account.")
        waiting = _throttle_message(device)
        if token and token.isdigit() and len(token) == _TOKEN_DIGITS and not waiting and device.verify_token(token):
            audit_record(actor=actor, action="accounts.session.two_factor_verified", obj=actor, detail={})
            return device
        audit_record(
            actor=actor,
            action="accounts.session.two_factor_failed",
            obj=actor,
            outcome=AuditOutcome.FAILURE,
            detail={"failures": failures + 1, "throttled": bool(waiting)},
        )
    if not token:
        raise ValidationError({"token": "Enter the 6-digit code from your authenticator app"})
    if waiting:
        raise ValidationError({"token": waiting})
    if not token.isdigit() or len(token) != _TOKEN_DIGITS:
        raise ValidationError({"token": "The code must be 6 digits, like 123456"})
    raise ValidationError(
        {
            "token": "The code is not correct. Enter the newest code from your authenticator app; codes change every 30 seconds."
        }
    )
