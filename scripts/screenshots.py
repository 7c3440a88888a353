"""PNG screenshots of Masthead's main pages, in English and Chinese, on a desktop and a phone, into
docs/screenshots/. Starts `masthead serve --demo` on a temporary SQLite database, adds a little public history
(scripts/history.py), signs in as the demo accounts where a page needs it, and drives Debian's Chromium with
Playwright. Pages that are not there yet (404) are skipped with a note. `make screenshots` runs it.

    .venv/bin/python scripts/screenshots.py [--output docs/screenshots] [--only front,transparency]
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from history import CHANNEL, DEMO_PASSWORD, add_history  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# A long page is cut at this height (CSS pixels) to keep the files small.
MAX_HEIGHT = {"desktop": 2000, "phone": 2600}
LOCALES = {"en": "en-GB", "zh": "zh-CN"}


@dataclass(frozen=True)
class Shot:
    name: str
    # The path, or a function of the API client that finds it (None: nothing to show).
    path: str | Callable[[httpx.Client], str | None]
    signed_in_as: str | None = None


def _first_post(channel: str) -> Callable[[httpx.Client], str | None]:
    def find(client: httpx.Client) -> str | None:
        items = client.get(f"/api/v1/channels/{channel}/posts").json()["items"]
        return f"/p/{items[0]['id']}" if items else None
    return find


def _first_item(client: httpx.Client) -> str | None:
    token = client.post("/api/v1/sessions", json={"handle": "mod_lin", "password": DEMO_PASSWORD}).json()["token"]
    queue = client.get("/api/v1/moderation/queue", params={"state": "closed"},
                       headers={"Authorization": f"Bearer {token}"}).json()["items"]
    return f"/moderation/items/{queue[0]['id']}" if queue else None


SHOTS = [
    Shot("front", "/"),
    Shot("channel", "/c/jiangnan_daily"),
    Shot("post", _first_post("jiangnan_daily")),
    Shot("feed", "/feed", "reader"),
    Shot("transparency", "/transparency"),
    Shot("ledger", f"/c/{CHANNEL}/ledger"),
    Shot("sign-in", "/login"),
    Shot("compose", "/write", "harbour_ed"),
    Shot("my-posts", "/me/posts", "harbour_ed"),
    Shot("moderation-queue", "/moderation", "mod_lin"),
    Shot("moderation-case", _first_item, "mod_lin"),
    Shot("verification", "/verify", "vera"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "MASTHEAD_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'masthead.db'}",
           "MASTHEAD_DATA_DIR": str(workdir / "data")}
    server = subprocess.Popen([sys.executable, "-m", "masthead.cli", "serve", "--demo", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=(workdir / "server.log").open("wb"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"masthead serve stopped: {(workdir / 'server.log').read_text()[-2000:]}")
        try:
            if not httpx.get(base + "/healthz").json()["pipeline_backlog"]:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("masthead serve did not answer within 90 s")


def _optimise(path: Path) -> None:
    """Fewer colours (pngquant, when installed): a screenshot is a third of the size and looks the same."""
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality", "70-95", "--strip",
                        "--output", str(path), str(path)], check=False)


def _take(browser: Browser, base: str, client: httpx.Client, shot: Shot, output: Path) -> str:
    path = shot.path(client) if callable(shot.path) else shot.path
    if path is None:
        return f"{shot.name}: skipped (nothing to show)"
    cookies = []
    if shot.signed_in_as:
        token = client.post("/api/v1/sessions", json={"handle": shot.signed_in_as, "password": DEMO_PASSWORD}
                            ).json()["token"]
        cookies = [{"name": "masthead_session", "value": token, "url": base}]
    saved = []
    for language, locale in LOCALES.items():
        for size, viewport in SIZES.items():
            context = browser.new_context(locale=locale, viewport=viewport)  # type: ignore[arg-type]
            try:
                context.add_cookies(cookies)  # type: ignore[arg-type]
                page = context.new_page()
                response = page.goto(base + path, wait_until="networkidle")
                if response is None or response.status == 404:
                    return f"{shot.name}: skipped ({path} answers 404: not built yet)"
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")
                height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[size])
                target = output / f"{shot.name}-{language}-{size}.png"
                page.screenshot(path=str(target), full_page=True,
                                clip={"x": 0, "y": 0, "width": viewport["width"], "height": height})
                _optimise(target)
                saved.append(target.name)
            finally:
                context.close()
    return f"{shot.name}: {path} -> {', '.join(saved)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--only", help="comma-separated names of the shots to take")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    wanted = set(args.only.split(",")) if args.only else None
    with tempfile.TemporaryDirectory(prefix="masthead-screenshots-") as temporary:
        server, base = _start(Path(temporary))
        try:
            add_history(base)
            with httpx.Client(base_url=base, timeout=30) as client, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=["--no-sandbox", "--disable-gpu"])
                for shot in SHOTS:
                    if wanted is None or shot.name in wanted:
                        print(_take(browser, base, client, shot, args.output), flush=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
