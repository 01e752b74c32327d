"""The published OpenAPI document: valid OpenAPI 3, and it tells a client which errors to
expect and which headers make writes safe."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

ERROR_REF = "#/components/schemas/Error"
WRITES = ("put", "patch", "delete")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture
def schema(db, api) -> dict[str, Any]:
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def _header_names(operation: dict[str, Any]) -> set[str]:
    return {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "header"}


def _refers_to_error(response: dict[str, Any]) -> bool:
    return any(media.get("schema", {}).get("$ref") == ERROR_REF for media in response.get("content", {}).values())


def test_schema_is_valid_openapi_3(schema):
    version = schema["openapi"]

    validate(schema)

    assert version.startswith("3.")


def test_schema_error_body_has_detail_and_errors_by_field(schema):
    error = schema["components"]["schemas"]["Error"]

    assert error == {
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
        "required": ["detail"],
    }


def test_every_operation_documents_error_responses_with_error_body(schema):
    operations = _operations(schema)

    undocumented = [
        f"{method.upper()} {path}"
        for method, path, operation in operations
        if not any(
            code.startswith("4") and _refers_to_error(response) for code, response in operation["responses"].items()
        )
    ]

    assert len(operations) > 0
    assert undocumented == []


def test_every_write_on_a_detail_path_documents_412_and_if_match(schema):
    writes = [
        (method, path, operation) for method, path, operation in _operations(schema) if method in WRITES and "{" in path
    ]

    missing = [
        f"{method.upper()} {path}"
        for method, path, operation in writes
        if not (_refers_to_error(operation["responses"].get("412", {})) and "If-Match" in _header_names(operation))
    ]

    assert {("patch", "/api/v1/events/{event_slug}/sessions/{code}/"), ("delete", "/api/v1/events/{slug}/")} <= {
        (method, path) for method, path, _ in writes
    }
    assert missing == []


def test_every_create_documents_idempotency_key_header(schema):
    creates = [
        (path, operation)
        for method, path, operation in _operations(schema)
        if method == "post" and "get" in schema["paths"][path]
    ]

    missing = [path for path, operation in creates if "Idempotency-Key" not in _header_names(operation)]

    assert {
        "/api/v1/events/",
        "/api/v1/events/{event_slug}/venues/",
        "/api/v1/events/{event_slug}/rooms/",
        "/api/v1/events/{event_slug}/delegations/",
        "/api/v1/events/{event_slug}/participants/",
        "/api/v1/events/{event_slug}/sessions/",
    } <= {path for path, _ in creates}
    assert missing == []
