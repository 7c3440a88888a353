"""The web app's routes: each part of the site lists its pages; every page gets its language, the signed-in
account, a CSRF check on forms, and errors shown as a page in words, never as JSON or a 500."""
from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from masthead.domain.errors import Forbidden, MastheadError, NotFound, Unauthenticated
from masthead.store.database import connection_lost
from masthead.web.errors import error_message
from masthead.web.i18n import LANGUAGE_COOKIE, choose_language
from masthead.web.render import context_of, redirect, render
from masthead.web.session import CSRF_FIELD, CSRF_HEADER, csrf_valid, viewer_of

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Page:
    path: str
    handler: Handler
    methods: tuple[str, ...] = ("GET",)
    # Signed-out visitors are sent to the sign-in page and brought back afterwards.
    sign_in: bool = False


async def render_error(request: Request, exc: MastheadError, *, status: int | None = None) -> Response:
    shown = status or exc.status
    return await render(request, "error.html", {"status": shown, "message": error_message(request, exc)},
                        status=shown)


def _sign_in_first(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, "/login?next=" + quote(target, safe=""))


async def _know_the_reader(request: Request) -> None:
    request.state.lang = choose_language(request.cookies.get(LANGUAGE_COOKIE),
                                         request.headers.get("accept-language", ""))
    request.state.viewer = await viewer_of(context_of(request), request)


def _wrap(page: Page) -> Handler:
    async def handle(request: Request) -> Response:
        await _know_the_reader(request)
        try:
            if request.method == "POST":
                form = await request.form()
                submitted = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
                if not csrf_valid(request, submitted if isinstance(submitted, str) else None):
                    raise Forbidden("this form has expired or came from another site; reload the page and try again",
                                    code="csrf_failed")
            if page.sign_in and request.state.viewer is None:
                return _sign_in_first(request)
            return await page.handler(request)
        except Unauthenticated:
            return _sign_in_first(request)
        except MastheadError as exc:
            return await render_error(request, exc)
        except Exception as exc:
            # A fault of ours: the person gets a page in words (never a traceback or JSON); the log gets the rest.
            # A broken database connection is a moment's unavailability (503), as in the API.
            if connection_lost(exc):
                log.warning("the database connection broke under %s %s", request.method, request.url.path)
            else:
                log.exception("unhandled error on %s %s", request.method, request.url.path)
            return await render_error(request, MastheadError(
                "Something went wrong on our side. Try again in a moment.", code="internal_error"),
                status=503 if connection_lost(exc) else 500)
    return handle


def _wants_a_page(request: Request) -> bool:
    """A browser asking for a page (not the API, its documents or a static file) that does not exist."""
    path = request.url.path
    return (request.method == "GET" and "text/html" in request.headers.get("accept", "")
            and not path.startswith(("/api/", "/static/", "/docs", "/redoc", "/openapi.json")))


def _page_not_found(app: FastAPI) -> None:
    """Unknown addresses that a browser asks for get the site's page in words; the API keeps its JSON."""
    answer_as_api = app.exception_handlers[StarletteHTTPException]

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404 and _wants_a_page(request):
            await _know_the_reader(request)
            return await render_error(request, NotFound("There is nothing at this address.", code="page_not_found"))
        response = answer_as_api(request, exc)
        return await response if inspect.isawaitable(response) else response
    app.add_exception_handler(StarletteHTTPException, handle)


def mount_pages(app: FastAPI, pages: list[Page]) -> None:
    for page in pages:
        app.add_route(page.path, _wrap(page), methods=list(page.methods), include_in_schema=False)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _page_not_found(app)
