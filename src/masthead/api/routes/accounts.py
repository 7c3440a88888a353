"""Sign up, sign in, who am I."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from masthead.api.deps import Ctx, CurrentAccount, bearer_token
from masthead.api.openapi import errors
from masthead.api.schemas import SignInIn, SignUpIn
from masthead.api.views import account_view
from masthead.services.accounts import (
    do_revoke_session,
    do_sign_in,
    do_sign_up,
    sessions_of,
)
from masthead.store import channels as channel_store
from masthead.web.session import SESSION_COOKIE

router = APIRouter(tags=["accounts"])


@router.post("/accounts", status_code=201, responses=errors(409))
async def sign_up(body: SignUpIn, ctx: Ctx) -> dict[str, Any]:
    account, token = await do_sign_up(ctx, handle=body.handle, password=body.password, display_name=body.display_name)
    return {"account": account_view(account), "token": token}


@router.post("/sessions", responses=errors(401))
async def sign_in(body: SignInIn, ctx: Ctx) -> dict[str, Any]:
    return {"token": await do_sign_in(ctx, handle=body.handle, password=body.password)}


@router.get("/accounts/me")
async def me(account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as connection:
        memberships = await channel_store.channels_of_member(connection, account.id)
    return {**account_view(account),
            "channels": [{"handle": channel.handle, "name": channel.name, "role": role.value}
                         for channel, role in memberships]}


@router.get("/sessions")
async def my_sessions(account: CurrentAccount, ctx: Ctx, request: Request) -> dict[str, Any]:
    """The account's unexpired sessions (API tokens and browser sign-ins), newest first."""
    found = await sessions_of(ctx, account, bearer_token(request) or request.cookies.get(SESSION_COOKIE))
    return {"items": [{"id": s.id, "created_at": s.created_at.isoformat(), "expires_at": s.expires_at.isoformat(),
                       "current": s.current} for s in found]}


@router.delete("/sessions/{session_id}", status_code=204)
async def revoke_session(session_id: str, account: CurrentAccount, ctx: Ctx) -> Response:
    """End one of the account's sessions; its token stops working at once."""
    await do_revoke_session(ctx, account, session_id)
    return Response(status_code=204)
