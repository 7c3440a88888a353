"""The OpenAPI document says what every route can answer. Error responses are derived from each route itself,
so routes added later are covered without extra work:

- a JSON or form body: 400 (malformed JSON), 413 (over the size cap) and 422 (a broken rule);
- query or header parameters: 400 (an unreadable cursor or date) and 422;
- a path parameter: 404 (nothing has that id or handle) and 422;
- the bearer-token security scheme: 401 (no, a malformed or an unknown token);
- a write method (POST, PUT, PATCH, DELETE): 429 (api.ratelimit counts every write);
- every operation: 503 with Retry-After (its database connection broke; see store.database.connection_lost);
- anything else a route can answer it declares with `responses=errors(403, 409, ...)`.

Every error response has the schema of `{"error": {"code", "message"}}`."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from masthead.api.deps import BEARER_SCHEME, OPTIONAL_BEARER_SCHEME
from masthead.api.ratelimit import WRITE_METHODS
from masthead.api.schemas import NO_NUL, RUNTIME_ENUM

ERROR_SCHEMA_NAME = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "pattern": "^[a-z0-9_]+$", "description": "stable, snake_case"},
                       "message": {"type": "string", "description": "what went wrong, for a person"}},
    }},
}
ERROR_DESCRIPTIONS = {
    400: "Malformed JSON, or a cursor or date this server did not issue or cannot read",
    401: "No, a malformed or an unknown bearer token",
    403: "The signed-in account may not do this",
    404: "Nothing with this id or handle exists (or is visible to you)",
    409: "It conflicts with the current state (a taken handle, an item already closed, ...)",
    413: "The request body is larger than this server accepts",
    415: "The request body is not of a media type this route reads",
    422: "A field breaks a rule: a wrong type, an unknown field, or a limit stated in this document",
    429: "Too many requests; wait as long as Retry-After says",
    503: "A service this route needs (the database) is unavailable",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route's own error statuses (beyond those derived from its shape)."""
    return {status: {"description": ERROR_DESCRIPTIONS[status]} for status in statuses}


def derived_errors(method: str, operation: dict[str, Any]) -> set[int]:
    """What an operation can answer because of its shape, read from the operation's own description."""
    statuses: set[int] = {503}
    if method.upper() in WRITE_METHODS:
        statuses.add(429)
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    places = {parameter["in"] for parameter in operation.get("parameters", [])}
    if places & {"query", "header"}:
        statuses |= {400, 422}
    if "path" in places:
        statuses |= {404, 422}
    if any(requirement for requirement in operation.get("security", [])):
        statuses.add(401)
    return statuses


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query or header parameter is absent or a string, never JSON null: FastAPI's `X | None` says null."""
    branches = [branch for branch in schema.get("anyOf", []) if branch != {"type": "null"}]
    if "anyOf" not in schema or len(branches) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**branches[0], **rest}


def _no_nul(node: Any) -> None:
    """Request bodies refuse NUL characters in every string (see schemas.Strict); say so where no pattern does."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"pattern", "enum", "format", "const"} & node.keys():
            node["pattern"] = NO_NUL
        for value in node.values():
            _no_nul(value)
    elif isinstance(node, list):
        for value in node:
            _no_nul(value)


def _security(operation: dict[str, Any]) -> None:
    """Routes that take a token but work without one are marked with the optional scheme (see deps); both
    become the one bearer scheme, optional (`{}`) where the route answers without a token too."""
    requirements = operation.get("security")
    if not requirements:
        return
    names = {name for requirement in requirements for name in requirement}
    if BEARER_SCHEME in names:
        operation["security"] = [{BEARER_SCHEME: []}]
    elif OPTIONAL_BEARER_SCHEME in names:
        operation["security"] = [{BEARER_SCHEME: []}, {}]


_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {"description": "writes allowed per window", "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "writes left in this window", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "when the window ends (ISO 8601)", "schema": {"type": "string"}},
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


def _limit_headers(method: str, responses: dict[str, Any]) -> None:
    if "503" in responses:
        responses["503"].setdefault("headers", {}).update(_RETRY_AFTER)
    if method.upper() not in WRITE_METHODS:
        return
    for status, response in responses.items():
        if status.startswith("2"):
            response.setdefault("headers", {}).update(_LIMIT_HEADERS)
        elif status == "429":
            response.setdefault("headers", {}).update({**_LIMIT_HEADERS, **_RETRY_AFTER})


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}}


def _fill_runtime_enums(node: Any, enums: Mapping[str, Callable[[], list[str]]]) -> None:
    if isinstance(node, dict):
        source = node.pop(RUNTIME_ENUM, None)
        if source is not None:
            node["enum"] = enums[source]()
        for value in node.values():
            _fill_runtime_enums(value, enums)
    elif isinstance(node, list):
        for value in node:
            _fill_runtime_enums(value, enums)


def build_openapi(app: FastAPI, runtime_enums: Mapping[str, Callable[[], list[str]]]) -> dict[str, Any]:
    document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    _fill_runtime_enums(document, runtime_enums)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _no_nul(schemas)
    document["components"].get("securitySchemes", {}).pop(OPTIONAL_BEARER_SCHEME, None)
    for path_item in document["paths"].values():
        for method, operation in path_item.items():
            _security(operation)
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _without_null(parameter["schema"])
            responses = operation.setdefault("responses", {})
            for status in derived_errors(method, operation):
                responses.setdefault(str(status), {"description": ERROR_DESCRIPTIONS[status]})
            _limit_headers(method, responses)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["description"] = ERROR_DESCRIPTIONS.get(int(status), response.get("description", ""))
                    response["content"] = _error_content()
    return document


def install_openapi(app: FastAPI, runtime_enums: Mapping[str, Callable[[], list[str]]]) -> None:
    """`runtime_enums` give the values of strings marked RUNTIME_ENUM, known only once the app is configured."""
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, runtime_enums)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
