"""A page that fails unexpectedly answers with a page in words and status 500, never JSON or a traceback."""
from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from masthead.web.site import Page, mount_pages


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
