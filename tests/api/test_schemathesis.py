"""Property-based API test: schemathesis against the app's OpenAPI schema, admin key.

The service runs in its own thread and event loop behind uvicorn on loopback;
schemathesis sends generated requests to it. No request may end in a 5xx.
"""

from __future__ import annotations

import asyncio
import os
import threading
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from federation_ai.api import create_app
from federation_ai.api.security import generate_key, hash_key
from federation_ai.service import build_service
from federation_ai.settings import load_settings

from .helpers import at, health, snapshot

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.slow

_raw = create_app(SimpleNamespace(settings=load_settings(environ={}), reads=None)).openapi()  # type: ignore[arg-type]
# cases per operation; FEDERATION_SCHEMATHESIS_EXAMPLES=500 for a long run
EXAMPLES = int(os.environ.get("FEDERATION_SCHEMATHESIS_EXAMPLES", "30"))
schema = schemathesis.openapi.from_dict(_raw).exclude(path="/api/federation/stream")


class LiveServer(threading.Thread):
    """The real service + API on 127.0.0.1 in a thread of its own."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(daemon=True)
        self.data_dir = data_dir
        self.key = generate_key()
        self.ready = threading.Event()
        self.base_url = ""
        self.server: uvicorn.Server | None = None

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        s = load_settings(environ={}, overrides={"service": {"data_dir": str(self.data_dir)}})
        service = await build_service(s)
        await service.start()
        await service.store.add_api_key("fuzz-admin", "admin", hash_key(self.key))
        await service.ingest(snapshot("s-1", at(-10), 10_000.0))
        await service.ingest(health("h-1", at(-9), "DEGRADED"))
        config = uvicorn.Config(create_app(service), host="127.0.0.1", port=0,
                                log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        serving = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self.ready.set()
        await serving
        await service.stop()


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("fuzz"))
    server.start()
    assert server.ready.wait(30)
    yield server
    assert server.server is not None
    server.server.should_exit = True
    server.join(30)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, live):
    case.call_and_validate(
        base_url=live.base_url,
        headers={"Authorization": f"Bearer {live.key}"},
        checks=[not_a_server_error],
        timeout=10,
    )
