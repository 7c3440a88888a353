"""Browser tests: one live server with demo data for the whole session (SQLite), Debian's Chromium through
Playwright, and helpers to sign in, make staff accounts and check a page with axe-core."""
from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from masthead.api.app import create_app
from masthead.context import Context
from masthead.demo import DEMO_PASSWORD, load_demo
from masthead.domain.accounts import Role
from masthead.services.accounts import do_sign_up
from masthead.settings import Settings
from masthead.store.migrate import run_migrations
from tests.conftest import FAST_HASHER, service_unavailable
from tests.live_server import serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery"


class Site:
    """The running server: its address and the settings of its database, for making accounts directly."""

    def __init__(self, base: str, settings: Settings) -> None:
        self.base = base
        self.settings = settings

    def url(self, path: str) -> str:
        return self.base + path

    def make_account(self, handle: str, *roles: Role) -> str:
        """An account with the given staff roles (which sign-up cannot grant); returns its API token."""
        async def create() -> str:
            ctx = Context.create(self.settings, hasher=FAST_HASHER)
            try:
                _, token = await do_sign_up(ctx, handle=handle, password=PASSWORD, display_name=handle.title(),
                                            roles=roles)
                return token
            finally:
                await ctx.db.dispose()
        # Playwright's sync API keeps an event loop running in this thread, so the account is made in another.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, create()).result()

    def token(self, handle: str, password: str = DEMO_PASSWORD) -> str:
        token: str = httpx.post(self.url("/api/v1/sessions"), json={"handle": handle, "password": password}).json()["token"]
        return token

    def wait_for_pipeline(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while httpx.get(self.url("/healthz")).json()["pipeline_backlog"] and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    database = tmp_path_factory.mktemp("web") / "masthead.db"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}", pipeline_poll_seconds=0.05,
                        data_dir=str(tmp_path_factory.mktemp("web-data")))
    run_migrations(settings.database_url)
    ctx = Context.create(settings, hasher=FAST_HASHER)

    async def demo() -> None:
        await load_demo(ctx)
        await ctx.db.dispose()
    asyncio.run(demo())
    with serving(create_app(ctx)) as base:
        running = Site(base, settings)
        running.wait_for_pipeline()
        yield running


@pytest.fixture(scope="session")
def server(site: Site) -> str:
    return site.base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        service_unavailable(f"Chromium is not installed at {CHROMIUM} (make test installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Browser contexts (separate people), closed after the test. Pass locale="zh-CN" or viewport=PHONE."""
    opened: list[BrowserContext] = []

    def make(**options: object) -> BrowserContext:
        context = browser.new_context(**options)  # type: ignore[arg-type]
        context.set_default_timeout(10_000)
        opened.append(context)
        return context
    yield make
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


def sign_in(page: Page, site: Site, handle: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(site.url("/login"))
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header .who")).to_have_text(f"@{handle}")


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core over the page as it is now: no serious or critical violations."""
    results = _axe.run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at "
                              f"{[node['target'] for node in v['nodes']][:3]}" for v in bad)
