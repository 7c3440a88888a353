"""The OpenAPI document's error responses come from each route's shape, so a route added later is described
without extra work; a 405 names every method the path answers."""
from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from masthead.api.app import create_app
from masthead.api.deps import CurrentAccount, OptionalAccount
from masthead.api.openapi import ERROR_SCHEMA_NAME, errors
from masthead.api.params import HandlePath
from masthead.api.schemas import Strict
from masthead.context import Context
from masthead.settings import Settings


class NoteIn(Strict):
    text: str


def _app_with_new_routes() -> FastAPI:
    app = create_app(Context.create(Settings(database_url="sqlite:///:unused:")), run_worker=False)
    router = APIRouter(prefix="/api/v1")

    @router.post("/channels/{handle}/notes", status_code=201, responses=errors(409))
    async def add_note(handle: HandlePath, body: NoteIn, account: CurrentAccount) -> dict[str, Any]:
        return {}

    @router.get("/notes")
    async def notes(viewer: OptionalAccount, since: str | None = None) -> dict[str, Any]:
        return {}

    app.include_router(router)
    app.openapi_schema = None
    return app


def _statuses(operation: dict[str, Any]) -> set[str]:
    return set(operation["responses"])


def test_a_new_route_gets_its_error_responses_from_its_shape() -> None:
    document = _app_with_new_routes().openapi()
    add = document["paths"]["/api/v1/channels/{handle}/notes"]["post"]
    assert _statuses(add) == {"201", "400", "401", "404", "409", "413", "422", "429", "503"}
    limit_headers = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    assert limit_headers <= set(add["responses"]["201"]["headers"])
    assert "Retry-After" in add["responses"]["429"]["headers"]
    assert "Retry-After" in add["responses"]["503"]["headers"]  # a broken database connection
    assert add["security"] == [{"HTTPBearer": []}]
    listing = document["paths"]["/api/v1/notes"]["get"]
    assert _statuses(listing) == {"200", "400", "401", "422", "503"}
    assert listing["security"] == [{"HTTPBearer": []}, {}]  # the token is optional there
    assert listing["parameters"][0]["schema"] == {"type": "string", "title": "Since"}  # never JSON null
    for status in ("400", "401", "404", "409", "413", "422", "503"):
        schema = add["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_error_status_of_the_real_routes_has_the_error_schema() -> None:
    app = create_app(Context.create(Settings(database_url="sqlite:///:unused:")), run_worker=False)
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    content = response["content"]["application/json"]["schema"]
                    assert content == {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}, (method, path, status)


async def test_method_not_allowed_names_every_method_of_the_path() -> None:
    app = create_app(Context.create(Settings(database_url="sqlite:///:unused:")), run_worker=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://masthead.test") as client:
        response = await client.request("OPTIONS", "/api/v1/channels/somebody")
        subscription = await client.put("/api/v1/channels/somebody/subscription")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH"
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert subscription.status_code == 405 and subscription.headers["allow"] == "DELETE, POST"
