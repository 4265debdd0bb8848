from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from federation_ai.api import create_app
from federation_ai.api.security import generate_key, hash_key
from federation_ai.service import FederationService, build_service
from federation_ai.settings import load_settings

from .helpers import TestClock, at, snapshot

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@dataclass
class Keys:
    viewer: str
    operator: str
    admin: str

    def headers(self, scope: str | None) -> dict[str, str]:
        if scope is None:
            return {}
        return {"Authorization": f"Bearer {getattr(self, scope)}"}


@pytest.fixture
def settings_overrides() -> dict[str, dict[str, Any]]:
    return {}


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
async def service(tmp_path, settings_overrides, clock) -> AsyncIterator[FederationService]:
    overrides = {k: dict(v) for k, v in settings_overrides.items()}
    overrides.setdefault("service", {})["data_dir"] = str(tmp_path)
    settings = load_settings(environ={}, overrides=overrides)
    svc = await build_service(settings, clock=clock)
    await svc.start()
    try:
        yield svc
    finally:
        await svc.stop()


@pytest.fixture
async def keys(service) -> Keys:
    made = {}
    for scope in ("viewer", "operator", "admin"):
        key = generate_key()
        await service.store.add_api_key(f"{scope}-key", scope, hash_key(key))
        made[scope] = key
    return Keys(**made)


@pytest.fixture
def app(service):
    return create_app(service, heartbeat_seconds=0.2)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def account(service) -> str:
    """The `default` account with one snapshot of history."""
    await service.ingest(snapshot("seed-1", at(-10), 10_000.0))
    return "default"
