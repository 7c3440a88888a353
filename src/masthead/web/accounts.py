"""Sign up, sign in, sign out, and the language switch."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from masthead.domain.accounts import check_display_name, check_handle, check_password
from masthead.domain.errors import MastheadError
from masthead.services.accounts import do_sign_in, do_sign_out, do_sign_up
from masthead.web.forms import Form, read_form
from masthead.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from masthead.web.render import context_of, redirect, render, safe_next
from masthead.web.session import end_session, session_token, start_session
from masthead.web.site import Page

LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


async def sign_in_page(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return await render(request, "accounts/sign_in.html", {"form": Form(values={"next": next_url})})
    form = await read_form(request)
    form.require(request, "handle", "password")
    if form.ok:
        try:
            token = await do_sign_in(context_of(request), handle=form.text("handle").strip(),
                                     password=form.text("password"))
        except MastheadError as exc:
            form.fail(request, "", exc)
        else:
            response = redirect(request, safe_next(form.text("next")))
            start_session(request, response, token)
            return response
    return await render(request, "accounts/sign_in.html", {"form": form}, status=422)


def _check_sign_up(request: Request, form: Form) -> None:
    checks = (("handle", check_handle), ("password", check_password), ("display_name", check_display_name))
    for name, check in checks:
        try:
            check(form.text(name).strip() if name != "password" else form.text(name))
        except MastheadError as exc:
            form.fail(request, name, exc)


async def sign_up_page(request: Request) -> Response:
    if request.method == "GET":
        return await render(request, "accounts/sign_up.html", {"form": Form()})
    form = await read_form(request)
    _check_sign_up(request, form)
    if form.ok:
        try:
            _, token = await do_sign_up(context_of(request), handle=form.text("handle").strip(),
                                        password=form.text("password"), display_name=form.text("display_name"))
        except MastheadError as exc:
            form.fail(request, "handle" if exc.code == "handle_taken" else "", exc)
        else:
            response = redirect(request, "/feed")
            start_session(request, response, token)
            return response
    return await render(request, "accounts/sign_up.html", {"form": form}, status=422)


async def sign_out(request: Request) -> Response:
    token = session_token(request)
    if token is not None:
        await do_sign_out(context_of(request), token)
    response = redirect(request, "/")
    end_session(request, response)
    return response


async def choose_language(request: Request) -> Response:
    form = await read_form(request)
    response = redirect(request, safe_next(form.text("next")))
    if form.text("lang") in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, form.text("lang"), max_age=LANGUAGE_COOKIE_MAX_AGE, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


PAGES = [
    Page("/login", sign_in_page, ("GET", "POST")),
    Page("/signup", sign_up_page, ("GET", "POST")),
    Page("/logout", sign_out, ("POST",)),
    Page("/language", choose_language, ("POST",)),
]
