"""The real app in a real browser: a Streamlit server on a free loopback port, and headless Chromium driven by Playwright.

Chromium comes from Debian (`apt-get install chromium`); `playwright install` cannot download browsers here.
Without it these tests skip with that hint on a developer's machine, and fail in CI (CI=true), where .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from scripts.served_app import CHROMIUM, CHROMIUM_ARGS, serve_app

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _browser_or_skip():
    missing = []
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        missing.append("Debian's chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -r requirements-dev.txt)")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": CI must install them (.ci/run does)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """The app served by `streamlit run app.py` on loopback, with the project's own .streamlit/config.toml."""
    _browser_or_skip()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    started = time.monotonic()
    with open(log_path, "w") as log, serve_app(log) as server:
        os.environ["RNN_EXPLORER_E2E_SERVER_READY_S"] = f"{time.monotonic() - started:.2f}"
        yield server


@pytest.fixture(scope="session")
def server_url(app_server):
    return app_server.url


@pytest.fixture(scope="session")
def browser(server_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page with every console error, page error and outside request it caused."""

    def __init__(self, page):
        self.page, self.errors, self.outside = page, [], []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.route("**/*", self._route)

    def _route(self, route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()


@pytest.fixture
def watched(browser, server_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    w = Watched(page)
    page.goto(server_url + "/")
    yield w
    context.close()
