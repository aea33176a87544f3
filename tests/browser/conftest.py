"""A real `orderflow serve` on SQLite with demo data, and a real headless Chromium to drive it.

The browser is found by tests/browser/locate.py (Playwright's own, else one on PATH, else Debian's
chromium, which `make test` installs when it can). Without one these tests skip locally, loudly,
and fail under CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from orderflow.services.demo import DEMO_KEY
from tests.browser import locate

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEMO_ORDERS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real server on a fresh SQLite file with demo orders."""
    home = tmp_path_factory.mktemp("console")
    db = home / "orderflow.db"
    env = {
        **os.environ,
        "ORDERFLOW_DATABASE_URL": f"sqlite:///{db}",
        "ORDERFLOW_ENV": "development",
    }
    seeded = subprocess.run(
        [sys.executable, "-m", "orderflow", "demo", "--orders", str(DEMO_ORDERS)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    port = _free_port()
    # The server's logs go to a file: a pipe nobody reads would fill up and stall it.
    log = (home / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "orderflow", "serve", "--port", str(port), "--no-access-log"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/console/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"orderflow serve did not start: {(home / 'serve.log').read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    # every console request carried the key: the server's log must not have kept it
    assert DEMO_KEY not in (home / "serve.log").read_text()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = locate.find()
    if chromium is None:
        message = (
            "NO CHROMIUM: the browser tests cannot run (apt-get install chromium, or "
            "playwright install chromium)"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def api(console_server: str) -> Iterator[httpx.Client]:
    """The same server's API, to check what the console did."""
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    with httpx.Client(base_url=console_server, headers=headers, timeout=30) as c:
        yield c


@pytest.fixture
def page(browser: Browser, console_server: str) -> Iterator[Page]:
    """A fresh browser tab (its own session storage) on a desktop-sized screen."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, base_url=console_server, accept_downloads=True
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    # anything the Content-Security-Policy blocked would be a console error: none may happen
    tab.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        yield tab
    finally:
        context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: a temporary folder, or the README's (`make screenshots`)."""
    wanted = os.environ.get("ORDERFLOW_SCREENSHOTS_DIR")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        return Path(wanted)
    return tmp_path_factory.mktemp("screenshots")
