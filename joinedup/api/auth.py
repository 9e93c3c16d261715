"""Who is calling: a personal API token (Authorization: Bearer) or a signed-in browser session."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import SimpleRateThrottle

from joinedup.accounts import selectors as account_selectors
from joinedup.accounts import services as account_services

DEFAULT_RATE = "600/m"


class ApiTokenAuth(HttpBearer):
    """A personal token. A token that is sent but wrong, revoked or belongs to a deactivated
    user is refused outright (401), rather than falling back to the session."""

    def authenticate(self, request: HttpRequest, token: str):
        found = account_selectors.api_token_for_raw(token.strip())
        if found is None:
            raise AuthenticationError(
                message="The API token is not valid, has been revoked, or its user is deactivated."
            )
        account_services.api_token_mark_used(token=found)
        request.user = found.user  # so audit and scoping see the token's owner
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class ActiveSessionAuth(SessionAuth):
    """Django's session, for signed-in users of the web pages (ninja checks CSRF on writes)."""

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class PublicAccess:
    """Last in an operation's ``auth`` list, for public data: a caller with no token and no
    session goes through as the anonymous user (a token that is sent must still be valid)."""

    def __call__(self, request: HttpRequest):
        return AnonymousUser()


class CallerRateThrottle(SimpleRateThrottle):
    """Requests per caller (user, or address when anonymous). The rate is read on every
    request from ``settings.JOINEDUP_API_RATE`` (default 600 a minute), so it can change
    without rebuilding the API."""

    scope = "joinedup-api"

    def __init__(self) -> None:  # the rate is read per request, not here
        self.rate = DEFAULT_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = getattr(settings, "JOINEDUP_API_RATE", DEFAULT_RATE)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "auth", None)
        ident = f"user-{user.pk}" if getattr(user, "pk", None) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
