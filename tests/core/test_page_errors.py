"""A page that fails unexpectedly answers with a page in words and status 500, never JSON or a traceback."""
from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from masthead.context import Context
from masthead.domain.accounts import Role
from masthead.web.site import Page, mount_pages
from tests.conftest import Api
from tests.moderation.test_workflow import staff


async def _broken(request: Request) -> Response:
    raise RuntimeError("a bug that must not reach the reader")


async def test_an_unexpected_fault_in_a_page_is_a_page_in_words(app: FastAPI, client: httpx.AsyncClient,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    mount_pages(app, [Page("/broken-for-test", _broken)])
    response = await client.get("/broken-for-test", headers={"accept-language": "zh-CN"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "我们这边出了点问题，请稍后再试。" in response.text
    assert "a bug that must not reach the reader" not in response.text
    assert any("unhandled error on GET /broken-for-test" in record.getMessage() for record in caplog.records)


async def test_an_unknown_address_is_a_page_for_browsers_and_json_for_the_api(client: httpx.AsyncClient) -> None:
    page = await client.get("/no/such/page", headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "There is nothing at this address." in page.text
    for path, accept in (("/api/v1/nothing", "text/html"), ("/no/such/page", "application/json")):
        answered = await client.get(path, headers={"accept": accept})
        assert answered.status_code == 404 and answered.json()["error"]["code"] == "not_found"
    wrong_method = await client.put("/api/v1/channels", headers={"accept": "text/html"})
    assert wrong_method.status_code == 405 and "Allow" in wrong_method.headers


async def test_ids_no_database_can_hold_are_pages_not_found(api: Api, ctx: Context) -> None:
    moderator = await staff(ctx, "odd_ids_mod", Role.MODERATOR)
    api.client.cookies.set("masthead_session", moderator)
    try:
        for odd in ("%C2%B2", "1" * 19):  # a superscript two, and more digits than a 64-bit id has
            for path in (f"/moderation/items/{odd}", f"/decisions/{odd}", f"/messages/{odd}", f"/me/posts/{odd}"):
                response = await api.client.get(path, headers={"accept": "text/html"})
                assert response.status_code == 404, (path, response.status_code)
                assert response.headers["content-type"].startswith("text/html")
    finally:
        api.client.cookies.clear()
