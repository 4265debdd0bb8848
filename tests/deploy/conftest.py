"""A running service on its embedded defaults (in-memory bus, SQLite), its API in-process:
the ``service`` and ``client`` fixtures of tests/conftest.py on that leg only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MEMORY_SQLITE

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture
def leg_name() -> str:
    return MEMORY_SQLITE
