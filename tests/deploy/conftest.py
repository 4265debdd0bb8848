"""A running service on its embedded defaults (in-memory bus, SQLite), its API in-process."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from federation_ai.api import create_app
from federation_ai.service import FederationService, build_service
from federation_ai.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture
async def service(tmp_path) -> AsyncIterator[FederationService]:
    settings = load_settings(environ={}, overrides={"service": {"data_dir": str(tmp_path)}})
    svc = await build_service(settings)
    await svc.start()
    try:
        yield svc
    finally:
        await svc.stop()


@pytest.fixture
async def client(service) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(service))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c
