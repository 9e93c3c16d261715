"""Request-wide behaviour: request ids, session limits, caching and denied-request audit."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import urlencode
from django_otp import user_has_device

from .audit import audit_record, current_request_id
from .errors import STATUS_CODES, error_response
from .models import AuditOutcome

_RATE = re.compile(r"^\s*(\d+)\s*/\s*([smh])\s*$")
_RATE_SECONDS = {"s": 1, "m": 60, "h": 3600}

SESSION_STARTED_KEY = "joinedup_started_at"
SESSION_LAST_SEEN_KEY = "joinedup_last_seen_at"


class RequestIdMiddleware:
    """Give every request an id for logs and audit, always made here: a caller cannot choose
    the id its events are filed under (an incoming X-Request-ID is ignored)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4().hex
        token = current_request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class SessionTimeoutMiddleware:
    """Sign users out after SESSION_IDLE_TIMEOUT idle or SESSION_ABSOLUTE_TIMEOUT in all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            started = _read_time(request.session.get(SESSION_STARTED_KEY))
            last_seen = _read_time(request.session.get(SESSION_LAST_SEEN_KEY))
            if started is None:
                request.session[SESSION_STARTED_KEY] = now.isoformat()
                started = now
            expired = (now - started) > settings.SESSION_ABSOLUTE_TIMEOUT or (
                last_seen is not None and (now - last_seen) > settings.SESSION_IDLE_TIMEOUT
            )
            if expired:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
            request.session[SESSION_LAST_SEEN_KEY] = now.isoformat()
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """A user with an authenticator app who has given only their password may reach the code
    page, sign out and the public pages; everything else sends them to the code page.

    Session calls to the API get a JSON 401. Calls with an API token (an Authorization
    header) are left to the API's own authentication, which never uses the session.
    """

    CODE_PAGE = "accounts:two-factor-code"
    ALLOWED = frozenset(
        {
            CODE_PAGE,
            "accounts:logout",
            "accounts:signed-out",
            "web:public-home",
            "web:accessibility",
            "web:privacy",
            "web:healthz",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or getattr(user, "is_verified", lambda: False)()
            or self._allowed(request)
            or not user_has_device(user, confirmed=True)
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            if "Authorization" in request.headers:
                return self.get_response(request)
            return error_response(
                401,
                "not_authenticated",
                "Enter the code from your authenticator app to finish signing in, or send an API token.",
            )
        target = reverse(self.CODE_PAGE)
        if request.method in ("GET", "HEAD"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return redirect(target)

    def _allowed(self, request) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in self.ALLOWED


def _read_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class NoStoreForSignedInMiddleware:
    """Pages a signed-in user sees may hold personal data: never let a browser or proxy keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


def parse_rate(rate: str) -> tuple[int, int]:
    """'600/m' -> (600, 60). Units: s, m, h."""
    match = _RATE.match(rate or "")
    if not match:
        raise ValueError(f"A rate looks like 600/m (per s, m or h), not {rate!r}")
    return int(match.group(1)), _RATE_SECONDS[match.group(2)]


class ApiGuardMiddleware:
    """In front of the JSON API: a per-address rate limit that applies *before* any
    authentication (so unauthenticated floods cannot fill the audit trail with refusals),
    and JSON for every error under /api/, including Django's own 404 and 405 pages.

    The per-caller limit (JOINEDUP_API_RATE) is the API's own; this one
    (JOINEDUP_API_ADDRESS_RATE) is looser, for many users behind one address. Counts live
    in Django's cache: per process with the default local-memory cache, shared when a
    shared cache is configured.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        allowed, window = parse_rate(getattr(settings, "JOINEDUP_API_ADDRESS_RATE", "1200/m"))
        slot = int(timezone.now().timestamp()) // window
        key = f"joinedup-api-address:{request.META.get('REMOTE_ADDR', '')}:{slot}"
        cache.add(key, 0, timeout=window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=window + 1)
            count = 1
        if count > allowed:
            response = error_response(429, "rate_limited", "Too many requests from this address. Wait and try again.")
            response["Retry-After"] = str(window)
            return response
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith("application/json"):
            return error_response(response.status_code, STATUS_CODES.get(response.status_code, "server_error"))
        return response


class AuditDeniedMiddleware:
    """Every refused request (401 or 403) is written to the audit trail. It sits outside the
    middleware that can refuse (CSRF, two-factor, the views), so it sees all their answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (401, 403):
            user = getattr(request, "user", None)
            audit_record(
                actor=user,
                action="platform.request.denied",
                object_type="url",
                object_id=request.path,
                outcome=AuditOutcome.DENIED,
                detail={"method": request.method, "path": request.path[:500], "status": response.status_code},
            )
        return response
