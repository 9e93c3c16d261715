"""Scoped reads of users, API tokens and two-factor devices."""

from __future__ import annotations

import base64
from urllib.parse import quote, urlencode

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.platform.access import has_capability

from .models import ApiToken, User, hash_token


def user_list_for(user) -> QuerySet[User]:
    """Administrators see every user; nobody else sees the user list."""
    if has_capability(user, "accounts.manage"):
        return User.objects.select_related("agency").order_by("full_name", "email")
    return User.objects.none()


def user_search_for(user, *, role: str = "", agency_id: int | None = None) -> QuerySet[User]:
    """The user list, narrowed by role and agency when given."""
    qs = user_list_for(user)
    if role:
        qs = qs.filter(role=role)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    return qs


def user_count_for(user) -> int:
    return user_list_for(user).count()


def user_get_for(user, pk: int) -> User:
    """One user, if ``user`` may manage accounts; ``User.DoesNotExist`` otherwise."""
    return user_list_for(user).get(pk=pk)


def active_users_with_email(email: str) -> QuerySet[User]:
    """Active accounts with this email, for sending a set-password link (no scoping: the
    caller is the anonymous 'forgotten password' form, which never shows the result)."""
    return User.objects.filter(email__iexact=(email or "").strip(), is_active=True)


def api_token_list_for(user) -> QuerySet[ApiToken]:
    """A user's own tokens; never anyone else's."""
    if not has_capability(user, "api.tokens"):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_list_of(viewer, owner) -> QuerySet[ApiToken]:
    """``owner``'s tokens as ``viewer`` may see them: their own, or anyone's for an administrator."""
    if getattr(viewer, "pk", None) == getattr(owner, "pk", None):
        return api_token_list_for(viewer)
    if has_capability(viewer, "accounts.manage"):
        return ApiToken.objects.filter(user=owner).order_by("-created_at")
    return ApiToken.objects.none()


def api_token_get_for(user, pk: int) -> ApiToken:
    """A token ``user`` may revoke: their own, or anyone's for an administrator."""
    if has_capability(user, "accounts.manage"):
        qs = ApiToken.objects.all()
    else:
        qs = api_token_list_for(user)
    return qs.select_related("user").get(pk=pk)


def api_token_for_raw(raw: str) -> ApiToken | None:
    """The active token whose secret is ``raw``, held by an active user; else None.

    Looked up by SHA-256, so the secret is never compared or stored in clear."""
    if not raw:
        return None
    return (
        ApiToken.objects.select_related("user", "user__agency")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def two_factor_enabled_for(user) -> bool:
    """True when ``user`` has a confirmed authenticator app: sign-in then asks for a code."""
    if not getattr(user, "is_authenticated", False):
        return False
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def two_factor_enabled_of(viewer, owner) -> bool:
    """Whether ``owner`` has two-factor authentication on, as ``viewer`` may know it:
    their own, or anyone's for an administrator."""
    if getattr(viewer, "pk", None) == getattr(owner, "pk", None) or has_capability(viewer, "accounts.manage"):
        return TOTPDevice.objects.filter(user_id=owner.pk, confirmed=True).exists()
    return False


def totp_device_pending_for(user) -> TOTPDevice | None:
    """The user's newest unconfirmed device (a setup they have started), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-pk").first()


def totp_setup_details(device: TOTPDevice, *, issuer: str = "Joined Up") -> dict[str, str]:
    """What the setup page shows: the key in groups of 4 to type in, and the otpauth:// link."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    label = quote(f"{issuer}:{device.user.email}")
    params = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": device.digits, "period": device.step},
        quote_via=quote,
    )
    return {
        "key_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": f"otpauth://totp/{label}?{params}",
    }
