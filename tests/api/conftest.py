"""The HTTP API over the ``service`` of tests/conftest.py, on the embedded leg only: the
routes are the same whatever the backends (the service's behaviour runs on both)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from federation_ai.api import create_app
from tests.conftest import MEMORY_SQLITE, add_keys

from .helpers import TestClock, at, snapshot

if TYPE_CHECKING:
    from fastapi import FastAPI

    from federation_ai.service import FederationService


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
def leg_name() -> str:
    return MEMORY_SQLITE


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
async def keys(service: FederationService) -> Keys:
    return Keys(**await add_keys(service.store))


@pytest.fixture
def app(service: FederationService) -> FastAPI:
    return create_app(service, heartbeat_seconds=0.2)


@pytest.fixture
async def account(service: FederationService) -> str:
    """The `default` account with one snapshot of history."""
    await service.ingest(snapshot("seed-1", at(-10), 10_000.0))
    return "default"
