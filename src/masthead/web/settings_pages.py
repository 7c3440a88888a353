"""The signed-in account's own settings: where it is signed in, and ending those sessions."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from masthead.services.accounts import do_revoke_session, sessions_of
from masthead.web.render import context_of, redirect, render
from masthead.web.session import end_session, session_token
from masthead.web.site import Page


async def settings_page(request: Request) -> Response:
    sessions = await sessions_of(context_of(request), request.state.viewer, session_token(request))
    ended = request.query_params.get("ended") == "1"
    return await render(request, "settings/sessions.html", {"sessions": sessions, "ended": ended})


async def end_session_page(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    sessions = await sessions_of(context_of(request), request.state.viewer, session_token(request))
    await do_revoke_session(context_of(request), request.state.viewer, session_id)
    if any(s.current and s.id == session_id for s in sessions):
        response = redirect(request, "/")
        end_session(request, response)
        return response
    return redirect(request, "/settings?ended=1")


PAGES = [
    Page("/settings", settings_page, sign_in=True),
    Page("/settings/sessions/{session_id}/end", end_session_page, ("POST",), sign_in=True),
]
