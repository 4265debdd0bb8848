"""Helpers of the live-service tests; the backends and the ``service`` fixture are in
tests/conftest.py (Redis, PostgreSQL, the two legs of the matrix)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from federation_ai.settings import load_settings
from tests.conftest import DATABASE_URL, REDIS_URL, unavailable

if TYPE_CHECKING:
    from federation_ai.settings import Settings

__all__ = ["DATA", "DATABASE_URL", "REDIS_URL", "load_events", "settings_for", "unavailable"]

DATA = Path(__file__).parent / "data"


def load_events(name: str = "edge_operator.events.jsonl") -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def settings_for(tmp_path: Path | str, **service: Any) -> Settings:
    return load_settings(environ={}, overrides={"service": {"data_dir": str(tmp_path), **service}})
