"""One JSON shape for every API error: {"error": {"code", "message", "details"}}.

The codes are stable; clients branch on them, not on the message. The API's handlers and
the request middleware (rate limits, two-factor, unknown addresses) all answer this way.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

STATUS_CODES = {
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}
MESSAGES = {
    "not_authenticated": "Send a valid API token in the Authorization header (Bearer), or sign in.",
    "permission_denied": "Your role does not allow this.",
    "not_found": "Not found.",
    "method_not_allowed": "This address does not accept that method.",
    "validation_error": "The request is not valid. See details.",
    "rate_limited": "Too many requests. Wait and try again.",
    "server_error": "Something went wrong on our side. Try again later.",
}


def error_body(code: str, message: str = "", details: list[Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message or MESSAGES.get(code, ""), "details": details or []}}


def error_response(status: int, code: str | None = None, message: str = "", details: list | None = None):
    """A plain Django JSON response with the error shape."""
    code = code or STATUS_CODES.get(status, "server_error")
    return JsonResponse(error_body(code, message, details), status=status)
