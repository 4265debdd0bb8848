"""The adapter routes are keyed by the core's decision types."""

from __future__ import annotations

from federation_ai.adapters import KINDS, ROUTES
from federation_ai.adapters.contracts import freeze_decision_id
from federation_ai.core.vocabulary import DecisionType


def test_routes_and_kinds_name_only_decision_types():
    assert all(isinstance(t, DecisionType) for t in ROUTES)
    assert all(isinstance(t, DecisionType) for k in KINDS.values() for t in k.decision_types)


def test_a_plain_string_from_a_stored_decision_finds_its_route():
    assert ROUTES.get("mode_change") == ("policy_store", "enforcement")


def test_the_applied_freeze_is_found_among_plain_decision_dicts():
    decisions = [
        {"decision_id": "a", "decision_type": "freeze", "status": "vetoed"},
        {"decision_id": "b", "decision_type": "freeze", "status": "applied"},
    ]
    assert freeze_decision_id(decisions) == "b"
    assert freeze_decision_id(decisions[:1]) is None
