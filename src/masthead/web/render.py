"""Rendering a page: the template environment (gettext, localised dates) and what every page's layout needs."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context as TemplateContext
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from masthead.context import Context
from masthead.domain.permissions import Action, allowed
from masthead.store.notifications import unread_count
from masthead.web.i18n import LANGUAGES, localised_datetime, translations
from masthead.web.session import CSRF_FIELD, apply_cookies, csrf_token

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def context_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def language_of(request: Request) -> str:
    language: str = getattr(request.state, "lang", "en")
    return language


def gettext(request: Request, message: str, **variables: Any) -> str:
    """A message in the request's language, with %(name)s placeholders filled."""
    text = translations(language_of(request)).gettext(message)
    return text % variables if variables else text


@pass_context
def _template_gettext(context: TemplateContext, message: str) -> str:
    return translations(language_of(context["request"])).gettext(message)


@pass_context
def _template_ngettext(context: TemplateContext, singular: str, plural: str, count: int) -> str:
    return translations(language_of(context["request"])).ngettext(singular, plural, count)


@pass_context
def _datetime_filter(context: TemplateContext, moment: Any, form: str = "medium") -> str:
    return localised_datetime(moment, language_of(context["request"]), form=form)


templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(_template_gettext, _template_ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.filters["datetime"] = _datetime_filter


async def render(request: Request, template: str, values: dict[str, Any] | None = None, *,
                 status: int = 200) -> HTMLResponse:
    viewer = getattr(request.state, "viewer", None)
    unread = 0
    if viewer is not None:
        async with context_of(request).db.read() as connection:
            unread = await unread_count(connection, viewer.id)
    layout = {
        "viewer": viewer, "unread": unread, "lang": language_of(request), "languages": LANGUAGES,
        "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request),
        "is_staff": viewer is not None and allowed(viewer.roles, Action.VIEW_MODERATION_QUEUE),
        "is_verifier": viewer is not None and allowed(viewer.roles, Action.DECIDE_CREDENTIAL),
    }
    response = templates.TemplateResponse(request, template, {**layout, **(values or {})}, status_code=status)
    apply_cookies(request, response)
    return response


def redirect(request: Request, url: str) -> RedirectResponse:
    """After a form: see-other to the page that shows the result (so reloading does not post again)."""
    response = RedirectResponse(url, status_code=303)
    apply_cookies(request, response)
    return response


def safe_next(url: str | None, default: str = "/") -> str:
    """Only a path on this site: never an address elsewhere (open redirects)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    return url
