"""Request-scoped dependencies: the service context and the signed-in account."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from masthead.context import Context
from masthead.domain.errors import Unauthenticated
from masthead.domain.models import Account
from masthead.services.accounts import access_account_by_token
from masthead.web.session import SESSION_COOKIE

# A browser's session cookie signs in reads (the pages' live stream); writes need the bearer token, so that a
# cookie alone can never be used to forge an API call from another site.
_COOKIE_METHODS = frozenset({"GET", "HEAD"})

BEARER_SCHEME = "HTTPBearer"
# Marks routes where the token is optional; the OpenAPI document folds it into BEARER_SCHEME (api.openapi).
OPTIONAL_BEARER_SCHEME = "OptionalHTTPBearer"
_DESCRIPTION = "Authorization: Bearer <token> from POST /api/v1/sessions"
_bearer = HTTPBearer(auto_error=False, scheme_name=BEARER_SCHEME, description=_DESCRIPTION)
_optional_bearer = HTTPBearer(auto_error=False, scheme_name=OPTIONAL_BEARER_SCHEME, description=_DESCRIPTION)


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


_ACCOUNT_STATE = "bearer_account"


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, None without the header; any other form is refused."""
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'", code="invalid_authorization")
    return token.strip()


async def token_account(request: HTTPConnection, ctx: Context) -> Account | None:
    """The account of the request's bearer token (None without one), looked up once per request; reads without a
    token may be signed in by the pages' session cookie."""
    state: dict[str, Any] = request.scope.setdefault("state", {})
    if _ACCOUNT_STATE in state:
        found: Account | None = state[_ACCOUNT_STATE]
        return found
    token = bearer_token(request)
    account = None
    if token is not None:
        account = await access_account_by_token(ctx, token)
    elif request.scope.get("method") in _COOKIE_METHODS and request.cookies.get(SESSION_COOKIE):
        try:
            account = await access_account_by_token(ctx, request.cookies[SESSION_COOKIE])
        except Unauthenticated:
            account = None
    state[_ACCOUNT_STATE] = account
    return account


async def optional_account(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
    ctx: Annotated[Context, Depends(get_context)],
) -> Account | None:
    return await token_account(request, ctx)


async def current_account(account: Annotated[Account | None, Depends(optional_account)],
                          _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Account:
    if account is None:
        raise Unauthenticated("sign in first: send Authorization: Bearer <token> (get one from POST /api/v1/sessions)")
    return account


Ctx = Annotated[Context, Depends(get_context)]
CurrentAccount = Annotated[Account, Depends(current_account)]
OptionalAccount = Annotated[Account | None, Depends(optional_account)]
