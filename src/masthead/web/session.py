"""Cookie sessions for the pages: the session token (the same opaque tokens as the API's), and a CSRF token per
browser checked on every form. Cookies are HttpOnly, SameSite=Lax, and Secure when served over HTTPS."""
from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from masthead.context import Context
from masthead.domain.errors import Unauthenticated
from masthead.domain.models import Account
from masthead.services.accounts import access_account_by_token

SESSION_COOKIE = "masthead_session"
CSRF_COOKIE = "masthead_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_BYTES = 32


def _cookie_options(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


async def viewer_of(ctx: Context, request: Request) -> Account | None:
    """The signed-in account, or None when there is no session or it has ended."""
    token = session_token(request)
    if token is None:
        return None
    try:
        return await access_account_by_token(ctx, token)
    except Unauthenticated:
        request.state.forget_session = True
        return None


def csrf_token(request: Request) -> str:
    """This browser's CSRF token; a new one is made (and set as a cookie by apply_cookies) on first use."""
    existing = getattr(request.state, "new_csrf", None) or request.cookies.get(CSRF_COOKIE)
    if existing:
        return str(existing)
    fresh = secrets.token_urlsafe(CSRF_BYTES)
    request.state.new_csrf = fresh
    return fresh


def csrf_valid(request: Request, submitted: str | None) -> bool:
    expected = request.cookies.get(CSRF_COOKIE)
    return bool(expected and submitted) and hmac.compare_digest(str(expected), str(submitted))


def start_session(request: Request, response: Response, token: str) -> None:
    """The cookie lives as long as the token does (MASTHEAD_SESSION_DAYS)."""
    ctx: Context = request.app.state.ctx
    response.set_cookie(SESSION_COOKIE, token, max_age=ctx.settings.session_days * 24 * 3600,
                        **_cookie_options(request))
    # A new CSRF token with every session, so a token seen before sign-in is worth nothing after it.
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(CSRF_BYTES), **_cookie_options(request))


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, **_cookie_options(request))


def apply_cookies(request: Request, response: Response) -> None:
    """Set the cookies that rendering this request decided on."""
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        response.set_cookie(CSRF_COOKIE, new_csrf, **_cookie_options(request))
    if getattr(request.state, "forget_session", False):
        end_session(request, response)
