"""The studio's browser tests: one carnet server per module over real data logged with the SDK,
one headless Debian chromium per session (launched by Playwright), and a fresh page per test that
fails the test on any console error or uncaught page error and leaves a screenshot behind."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.data import StudioData, log_everything

CHROMIUM = os.environ.get("CARNET_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots: $CARNET_TEST_ARTIFACTS, else tmp/test-artifacts at the repository's root.
ARTIFACTS = Path(
    os.environ.get("CARNET_TEST_ARTIFACTS") or Path(__file__).parents[2] / "tmp" / "test-artifacts"
)


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread, for a whole module (the
    suite's ``serve_app`` fixture lives one test long)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the studio's test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StudioData]:
    """A carnet server (SQLite, artifacts beside it) holding the studio's test data; ``.url`` is
    the server's address, ``.uri`` the store's (to log more while a page is open)."""
    from carnet.server import create_app
    from carnet.store.sql.store import SqlTrackingStore

    root = tmp_path_factory.mktemp("studio")
    uri = f"sqlite:///{root / 'carnet.db'}"
    data = log_everything(uri, root / "files")
    store = SqlTrackingStore(uri, str(root / "artifacts"))
    with serve(create_app(store)) as url:
        data.url, data.uri = url, uri
        yield data


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with apt-get install chromium (scripts/test does)")
    from playwright.sync_api import expect, sync_playwright

    # plotly.js alone takes a loaded 2-core machine a few seconds to start: wait for what a page
    # shows longer than Playwright's default 5 s (a passing check returns as soon as it holds).
    expect.set_options(timeout=20_000)

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page (1400x900); the test fails on any console error or page error. A test that
    provokes an HTTP error on purpose (a 404 page, a filter that does not parse) adds its status to
    ``page.allowed_statuses``: the browser logs such answers as console errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(20_000)
    opened = context.new_page()
    errors: list[str] = []
    allowed: set[int] = set()

    def on_console(message: Any) -> None:
        if message.type != "error":
            return
        status = re.search(r"status of (\d{3})\b", message.text)
        if status and int(status.group(1)) in allowed:
            return
        errors.append(f"console: {message.text}")

    opened.on("console", on_console)
    opened.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    opened.allowed_statuses = allowed
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        opened.screenshot(path=str(ARTIFACTS / f"studio-{name}.png"), full_page=True)
    finally:
        context.close()
    assert not errors, "\n".join(errors)
