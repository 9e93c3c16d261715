"""Scoped reads of users."""

from __future__ import annotations

from django.db.models import QuerySet

from joinedup.platform.access import has_capability

from .models import ApiToken, User


def user_list_for(user) -> QuerySet[User]:
    """Administrators see every user; nobody else sees the user list."""
    if has_capability(user, "accounts.manage"):
        return User.objects.select_related("agency").order_by("full_name", "email")
    return User.objects.none()


def user_count_for(user) -> int:
    return user_list_for(user).count()


def user_get_for(user, pk: int) -> User:
    return user_list_for(user).get(pk=pk)


def api_token_list_for(user) -> QuerySet[ApiToken]:
    """A user's own tokens; never anyone else's."""
    if not has_capability(user, "api.tokens"):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at")
