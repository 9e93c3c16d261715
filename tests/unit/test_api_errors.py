"""The API's error shape and docs gate, without a database."""

from __future__ import annotations

import json

from django.test import RequestFactory, override_settings

from joinedup.api.api import docs_when_enabled
from joinedup.api.errors import _validation_details, error_body, error_response


def test_error_body_has_the_stable_shape_and_a_default_message():
    assert error_body("not_found") == {"error": {"code": "not_found", "message": "Not found.", "details": []}}
    body = error_body("validation_error", "Bad", [{"field": "age"}])
    assert body["error"] == {"code": "validation_error", "message": "Bad", "details": [{"field": "age"}]}


def test_error_response_picks_the_code_from_the_status():
    response = error_response(429)
    assert response.status_code == 429
    assert json.loads(response.content)["error"]["code"] == "rate_limited"


def test_validation_details_name_the_location_and_field():
    details = _validation_details(
        [{"loc": ("query", "age"), "msg": "Input should be greater than or equal to 0", "type": "greater_than_equal"}]
    )
    assert details == [
        {
            "location": "query",
            "field": "age",
            "message": "Input should be greater than or equal to 0",
            "type": "greater_than_equal",
        }
    ]


def test_docs_gate_checks_the_setting_per_request():
    from functools import partial

    from django.contrib.auth.models import AnonymousUser
    from ninja.openapi import views as ninja_views

    from joinedup.api.api import api

    schema = docs_when_enabled(partial(ninja_views.openapi_json, api=api))
    anonymous = RequestFactory().get("/api/v1/openapi.json")
    anonymous.user = AnonymousUser()
    with override_settings(JOINEDUP_API_DOCS=False):
        assert schema(anonymous).status_code == 401
    with override_settings(JOINEDUP_API_DOCS=True):
        assert schema(anonymous).status_code == 200

    gated = docs_when_enabled(partial(ninja_views.openapi_view, api=api))
    request = RequestFactory().get("/api/v1/docs")
    with override_settings(JOINEDUP_API_DOCS=False):
        response = gated(request)
    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "not_found"
    with override_settings(JOINEDUP_API_DOCS=True):
        assert gated(request).status_code == 200
