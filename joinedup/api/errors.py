"""One JSON shape for every API error: {"error": {"code", "message", "details"}}.

The codes are stable; clients branch on them, not on the message.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from joinedup.platform.errors import MESSAGES, STATUS_CODES, error_body, error_response  # noqa: F401

logger = logging.getLogger("joinedup.api")


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    details = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", [])]
        details.append(
            {
                "location": loc[0] if loc else "",
                "field": ".".join(loc[1:]),
                "message": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
        )
    return details


def register_error_handlers(api) -> None:
    """Replace ninja's default handlers with ones that speak the shape above."""

    def respond(request: HttpRequest, status: int, code: str, message: str = "", details=None) -> HttpResponse:
        return api.create_response(request, error_body(code, message, details), status=status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return respond(request, 422, "validation_error", details=_validation_details(exc.errors))

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, exc: AuthenticationError):
        message = exc.message if exc.message and exc.message != "Unauthorized" else ""
        response = respond(request, 401, "not_authenticated", message)
        response["WWW-Authenticate"] = 'Bearer realm="joinedup"'
        return response

    @api.exception_handler(AuthorizationError)
    def authorization_error(request, exc: AuthorizationError):
        message = exc.message if exc.message and exc.message != "Forbidden" else ""
        return respond(request, 403, "permission_denied", message)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc: PermissionDenied):
        return respond(request, 403, "permission_denied", str(exc) or "")

    @api.exception_handler(Http404)
    def http404(request, exc: Http404):
        return respond(request, 404, "not_found", str(exc) or "")

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc: ObjectDoesNotExist):
        return respond(request, 404, "not_found")

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        return respond(request, 429, "rate_limited")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = STATUS_CODES.get(exc.status_code, "server_error" if exc.status_code >= 500 else "validation_error")
        return respond(request, exc.status_code, code, exc.message)

    @api.exception_handler(Exception)
    def server_error(request, exc: Exception):
        logger.exception("Unhandled API error on %s %s", request.method, request.path)
        return respond(request, 500, "server_error")
