"""Browser-test fixtures: a real `federation serve` subprocess and Debian's Chromium.

The server runs on embedded defaults (in-memory bus, SQLite in a temp dir) on a free
port; keys of every scope are stored first through the store API. Chromium comes from
/usr/bin/chromium (Playwright's own browser download is not used). Without it the
browser tests skip with the reason, or fail when CI=true.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from federation_ai.store import Store
from tests.conftest import add_keys

if TYPE_CHECKING:
    from collections.abc import Iterator

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
EVENT_EPOCH = datetime(2099, 1, 5, 9, 0, tzinfo=UTC)
FUTURE_SKEW_S = 100 * 366 * 86_400  # a century: EVENT_EPOCH is allowed ahead of the wall clock


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _store_keys(db_url: str) -> dict[str, str]:
    async with await Store.open(db_url) as store:
        await store.upgrade()
        return await add_keys(store, "{scope}-desk")


@dataclass
class Server:
    url: str
    keys: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    _n: int = field(default=0)

    def headers(self, scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[scope]}"}

    def post(self, path: str, body: dict[str, Any], scope: str = "operator") -> httpx.Response:
        return httpx.post(f"{self.url}/api/federation{path}", json=body, headers=self.headers(scope), timeout=10)

    def get(self, path: str, scope: str = "viewer", **params: Any) -> Any:
        r = httpx.get(f"{self.url}/api/federation{path}", params=params, headers=self.headers(scope), timeout=10)
        r.raise_for_status()
        return r.json()

    def event(self, event_type: str, payload: dict[str, Any], account: str = "default") -> dict[str, Any]:
        """POST one event, a minute of event time after the previous one.

        Event time is set in the future so that operator commands (stamped now, or
        the account's last event time if later) never make a test event out of order.
        """
        self._n += 1
        ts = (EVENT_EPOCH + timedelta(minutes=self._n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"event_type": event_type, "event_id": f"t-{self._n}", "account_id": account,
                "timestamp": ts, "payload": payload}
        r = self.post("/events", body)
        assert r.status_code == 200, r.text
        return r.json()

    def snapshot(self, equity: float, account: str = "default", **extra: Any) -> dict[str, Any]:
        return self.event("portfolio.snapshot_updated", {"total_equity": equity, **extra}, account)

    def health(self, status: str, account: str = "default", **extra: Any) -> dict[str, Any]:
        return self.event("system.health_updated", {"overall_status": status, **extra}, account)


def start_server(tmp: Path, *extra: str) -> Server:
    db_url = f"sqlite+aiosqlite:///{tmp / 'federation.db'}"
    # in a thread: the sync Playwright API runs an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        keys = pool.submit(asyncio.run, _store_keys(db_url)).result()
    port = _free_port()
    log = tmp / "serve.log"
    env = {**os.environ, "FEDERATION_SERVICE__DATA_DIR": str(tmp), "FEDERATION_SERVICE__LOG_LEVEL": "WARNING",
           # test events are stamped in 2099 (see Server.event): widen the future-time limit
           "FEDERATION_INGEST__MAX_FUTURE_SKEW_S": str(FUTURE_SKEW_S)}
    cmd = [sys.executable, "-m", "federation_ai.cli.main", "serve", "--db", db_url,
           "--host", "127.0.0.1", "--port", str(port), *extra]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(f"http://127.0.0.1:{port}", keys, log, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # readiness, not a timing assertion
        if process.poll() is not None:
            pytest.fail(f"federation serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_server(server)
    pytest.fail(f"federation serve did not become ready: {log.read_text()[-2000:]}")


def stop_server(server: Server) -> None:
    if server.process is None or server.process.poll() is not None:
        return
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def server(tmp_path) -> Iterator[Server]:
    srv = start_server(tmp_path)
    try:
        yield srv
    finally:
        stop_server(srv)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415

    expect.set_options(timeout=15_000)  # a loaded CI machine: generous, never a timing claim
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def open_dashboard(page: Any, server: Server, scope: str) -> Any:
    """Load the page and enter the key of ``scope``; returns the page once the key is accepted."""
    from playwright.sync_api import expect  # noqa: PLC0415

    page.goto(server.url + "/")
    page.fill("#api-key", server.keys[scope])
    page.press("#api-key", "Enter")
    expect(page.locator("#who")).to_have_text(f"Key: {scope}-desk ({scope})")
    return page
