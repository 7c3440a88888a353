"""Sign up, sign in, who am I."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from masthead.api.deps import Ctx, CurrentAccount
from masthead.api.openapi import errors
from masthead.api.schemas import SignInIn, SignUpIn
from masthead.api.views import account_view
from masthead.services.accounts import do_sign_in, do_sign_up
from masthead.store import channels as channel_store

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
