"""Every page of the web app, gathered from the parts of the site."""
from __future__ import annotations

from fastapi import FastAPI

from masthead.web import (
    accounts,
    messages,
    moderation,
    publish,
    reader,
    settings_pages,
    transparency,
    verify,
)
from masthead.web.site import mount_pages


def mount_web(app: FastAPI) -> None:
    mount_pages(app, [
        *accounts.PAGES,
        *publish.PAGES,
        *reader.PAGES,
        *settings_pages.PAGES,
        *transparency.PAGES,
        *moderation.PAGES,
        *verify.PAGES,
        *messages.PAGES,
    ])
