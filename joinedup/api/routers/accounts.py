"""Who the caller is."""

from __future__ import annotations

from ninja import Router

from ..schemas import ERRORS, MeOut

router = Router(tags=["accounts"])


@router.get("", response={200: MeOut, **ERRORS}, summary="The caller")
def me(request):
    """Your email, role and agency: check a token works and whose it is."""
    user = request.auth
    agency = user.agency
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "role_label": user.role_label,
        "agency": {"id": agency.pk, "code": agency.code, "name": agency.name} if agency else None,
        "authenticated_by": "token" if getattr(request, "api_token", None) is not None else "session",
    }
