"""The database CHECK lists are the core's vocabulary, and the migrations say the same."""

from __future__ import annotations

import inspect

import pytest

from federation_ai.core.vocabulary import Outcome, Scope
from federation_ai.store import schema
from federation_ai.store.migrations.versions import r0001_initial

CHECKS = {
    "ck_federation_events_outcome": "outcome IN ('processed', 'duplicate', 'out_of_order')",
    "ck_federation_api_keys_scope": "scope IN ('viewer', 'operator', 'admin')",
}


def _checks() -> dict[str, str]:
    return {
        str(c.name): str(c.sqltext)
        for table in schema.ALL_TABLES
        for c in table.constraints
        if hasattr(c, "sqltext")
    }


def test_check_lists_are_built_from_the_enums():
    assert _checks() == {
        "ck_federation_events_outcome": schema.one_of("outcome", tuple(Outcome)),
        "ck_federation_api_keys_scope": schema.one_of("scope", tuple(Scope)),
    }


@pytest.mark.parametrize(("name", "text"), sorted(CHECKS.items()))
def test_the_checks_are_the_ones_the_initial_migration_creates(name, text):
    """A change to a list needs a new migration: the initial one stays as written."""
    assert _checks()[name] == text
    assert f'"{text}"' in inspect.getsource(r0001_initial)
