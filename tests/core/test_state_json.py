"""The stored form of an account's state: what it writes and what it still reads."""

from __future__ import annotations

import json

import pytest

from federation_ai.core import FederationState
from tests.core.scenario import run, snap, trade

EVENTS = [snap(10_000.0), trade(-50.0, 5), snap(9_900.0, 10), snap(9_950.0, day=1)]


def _stored() -> dict:
    state = FederationState()
    run(EVENTS, state=state)
    return json.loads(json.dumps(state.to_json()))


def test_a_stored_state_does_not_carry_the_last_snapshot():
    """Nothing reads the last snapshot's payload: it is not written with the state."""
    for account in _stored()["accounts"].values():
        assert "last_snapshot" not in account["metrics"]


@pytest.mark.parametrize("old_value", [{}, {"total_equity": 9_950.0, "net_flow": 0.0}])
def test_a_state_stored_with_the_last_snapshot_still_loads(old_value):
    """States written before it was dropped carry ``last_snapshot``; they load the same."""
    stored = _stored()
    old = json.loads(json.dumps(stored))
    for account in old["accounts"].values():
        account["metrics"]["last_snapshot"] = old_value
    restored = FederationState.from_json(old)
    assert restored.to_json() == stored
    later = [snap(9_800.0, day=2), trade(-20.0, 5, day=2)]
    _, got = run(later, state=restored)
    _, expected = run(later, state=FederationState.from_json(stored))
    assert [[d.to_dict() for d in ds] for ds in got] == [[d.to_dict() for d in ds] for ds in expected]
