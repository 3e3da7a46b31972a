"""The error responses every operation of the API can give, written into its OpenAPI schema.

The routers declare their success responses; the client errors come from one place (the
exception handlers in ``yingji.api`` and the NUL-byte guard), always as ``{code, message,
field}``. This adds those to each operation, following the same rules the handlers do, so
that the schema tells a client every status it may see and the fuzzing test
(tests/api/test_schemathesis.py) holds the API to it:

- 422 — invalid input (every operation: even one without parameters refuses a NUL byte);
- 401 and 403 — operations that need a signed-in user (not signed in; a role that may not);
- 404 and 409 — operations with any input (path, query or body), since an input may name an
  object that does not exist or lies outside the caller's jurisdiction (the two are
  indistinguishable on purpose), or one whose state does not allow the request;
- 400 — operations with a request body: a body that cannot be parsed at all (not JSON).

An operation that documents one of these statuses itself keeps its own description.
"""

from __future__ import annotations

from typing import Any, Final

ERROR_SCHEMA: Final = "Error"
METHODS: Final = frozenset({"get", "head", "options", "post", "put", "patch", "delete"})
DESCRIPTIONS: Final = {
    400: "The request body cannot be parsed",
    401: "Not signed in (no session, or no valid API token)",
    403: "The caller's roles do not allow this",
    404: "No such object, or it is outside the caller's jurisdiction",
    409: "Not allowed in the object's current state",
    422: "Invalid input: the field and the rule at fault",
}

_ERROR: Final = {
    "title": ERROR_SCHEMA,
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "machine-readable, e.g. invalid, not_found"},
        "message": {"type": "string"},
        "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "errors": {
            "type": "array",
            "description": "every field at fault, when there are several",
            "items": {"type": "object"},
        },
    },
}


def error_statuses(operation: dict[str, Any]) -> list[int]:
    """The client-error statuses of one operation, by the rules in the module docstring."""
    statuses = [422]
    if operation.get("security"):
        statuses += [401, 403]
    if operation.get("parameters") or "requestBody" in operation:
        statuses += [404, 409]
    if "requestBody" in operation:
        statuses.append(400)
    return sorted(statuses)


def add_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (an OpenAPI 3.1 document as a dict), with the error responses added."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_SCHEMA, _ERROR)
    error = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in error_statuses(operation):
                if status not in responses and str(status) not in responses:  # ninja: int keys
                    responses[status] = {"description": DESCRIPTIONS[status], "content": error}
    return schema


def file_response(description: str, *content_types: str) -> dict[str, Any]:
    """``openapi_extra`` for an operation whose success is a file (of one of ``content_types``)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "responses": {
            200: {"description": description, "content": dict.fromkeys(content_types, binary)}
        }
    }
