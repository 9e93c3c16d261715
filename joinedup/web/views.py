"""Pages that belong to no one app: home pages, static information and error pages."""

from __future__ import annotations

from django.shortcuts import render

from joinedup.platform.access import require_sign_in

from . import selectors


def public_home(request):
    """What Joined Up is, for the public and for staff before they sign in."""
    return render(request, "web/public_home.html")


@require_sign_in
def home(request):
    """A signed-in user's home: what their role lets them do, with the numbers that matter to it."""
    return render(request, "web/home.html", {"cards": selectors.home_cards_for(request.user)})


def accessibility(request):
    return render(request, "web/accessibility.html")


def privacy(request):
    return render(request, "web/privacy.html")


def healthz(request):
    from django.http import JsonResponse

    return JsonResponse({"status": "ok"})


def bad_request(request, exception=None):
    return render(
        request, "web/error.html", {"title": "Sorry, there is a problem with your request", "status": 400}, status=400
    )


def permission_denied(request, exception=None):
    return render(
        request,
        "web/error.html",
        {
            "title": "You do not have access to this page",
            "body": "Your role does not allow this. If you think you need it, ask your partnership administrator.",
            "status": 403,
        },
        status=403,
    )


def page_not_found(request, exception=None):
    return render(
        request,
        "web/error.html",
        {"title": "Page not found", "body": "If you typed the web address, check it is correct.", "status": 404},
        status=404,
    )


def server_error(request):
    return render(
        request,
        "web/error.html",
        {"title": "Sorry, there is a problem with the service", "body": "Try again later.", "status": 500},
        status=500,
    )


def csrf_failure(request, reason=""):
    return render(
        request,
        "web/error.html",
        {
            "title": "Your form could not be sent",
            "body": "The page may have been open too long. Go back, refresh the page and try again.",
            "status": 403,
        },
        status=403,
    )
