"""Every error leaves as {"error": {"code", "message"}} with a fitting status; bad input never becomes a 500."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from masthead.domain.errors import MastheadError, RateLimited
from masthead.store.database import DriverError, connection_lost

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_request",
    429: "rate_limited",
}


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)


def _field_name(location: Sequence[int | str]) -> str:
    # Only the first part names where the value came from: a post's own field is called "body" too.
    inside = location[1:] if location and location[0] in ("body", "query", "path", "header") else location
    return ".".join(str(part) for part in inside)


_TYPE_WORDS = {
    "string_type": "a string", "bool_type": "true or false", "int_type": "an integer", "int_parsing": "an integer",
    "float_type": "a number", "list_type": "a list", "dict_type": "a JSON object",
    "model_attributes_type": "a JSON object", "model_type": "a JSON object", "bool_parsing": "true or false",
}


def describe_validation_error(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    location = error.get("loc", ())
    field = _field_name(location)
    source = location[0] if location else "body"
    where = f"query parameter {field!r}" if source == "query" else f"field {field!r}"
    if kind == "missing":
        return "a JSON request body is required" if not field else f"{where} is required"
    if kind == "extra_forbidden":
        return f"unknown field {field!r}"
    if kind in _TYPE_WORDS:
        return f"the request body must be {_TYPE_WORDS[kind]}" if not field else f"{where} must be {_TYPE_WORDS[kind]}"
    return f"{where}: {error.get('msg', 'is invalid')}" if field else str(error.get("msg", "invalid request"))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    malformed = [e for e in errors if e.get("type") == "json_invalid"]
    if malformed:
        reason = malformed[0].get("ctx", {}).get("error", "it could not be parsed")
        return error_response(400, "malformed_json", f"the request body is not valid JSON: {reason}")
    message = "; ".join(describe_validation_error(e) for e in errors)
    return error_response(422, "invalid_request", message)


async def _masthead_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MastheadError)
    response = error_response(exc.status, exc.code, exc.message)
    if isinstance(exc, RateLimited):
        response.headers.update({"X-RateLimit-Limit": str(exc.limit), "X-RateLimit-Remaining": "0",
                                 "X-RateLimit-Reset": exc.reset_at.isoformat(), "Retry-After": str(exc.retry_after)})
    return response


HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path: Starlette's own 405 names only the first route's."""
    return [method for method in HTTP_METHODS
            if any(route.matches({**request.scope, "method": method})[0] is Match.FULL
                   for route in request.app.router.routes)]


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = f"nothing is at {request.url.path}"
    response = error_response(exc.status_code, code, message)
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        allow = allowed_methods(request)
        response = error_response(405, code, f"{request.method} is not allowed on {request.url.path}; "
                                             f"allowed: {', '.join(allow)}")
        response.headers["Allow"] = ", ".join(allow)
    return response


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "something went wrong on our side; it has been logged")


# How long a client should wait before trying again after the database connection broke under its request.
RETRY_AFTER_LOST_CONNECTION_SECONDS = 1


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A broken database connection is 503 with Retry-After (a client tries again; the pool reconnects), not a
    500; any other driver error is a fault of ours."""
    if not connection_lost(exc):
        return await _unexpected_error(request, exc)
    log.warning("the database connection broke under %s %s: %s", request.method, request.url.path,
                " ".join(str(getattr(exc, "orig", None) or exc).split()))
    response = error_response(503, "database_unavailable",
                              "the connection to the database broke while answering; try again in a moment")
    response.headers["Retry-After"] = str(RETRY_AFTER_LOST_CONNECTION_SECONDS)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(MastheadError, _masthead_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DriverError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
