"""Which decisions are happenings, and what they say (table-driven, pure)."""

from __future__ import annotations

import pytest

from federation_ai.alerts.happenings import from_decisions, from_warnings
from federation_ai.core import FederationState, parse_event, step
from federation_ai.core.core_config import CoreConfig
from federation_ai.core.early_warnings import EarlyWarning, Limit


def decision(decision_type, role="supervisor", status="applied", priority=1, **payload):
    return {
        "decision_id": f"d-{decision_type}-{role}", "event_id": "e1", "account_id": "acc",
        "decision_type": decision_type, "role_source": role, "priority": priority,
        "timestamp": "2024-01-01T10:00:00Z", "reason": "why", "payload": payload,
        "status": status,
    }  # fmt: skip


CASES = [
    # (decision, event payload, kind or None, words in the summary)
    (decision("freeze", triggers=["drawdown"]), {}, "freeze", "acc frozen: drawdown"),
    (decision("unfreeze", by="supervisor", restored_mode="SHADOW"), {}, "unfreeze",
     "unfrozen by supervisor"),
    (decision("unfreeze", role="operator", by="alice", restored_mode="LIVE"), {}, "unfreeze",
     "unfrozen by alice"),
    (decision("override", action="veto", overridden_role="ceo",
              overridden_type="mode_change", rule="frozen"), {}, "veto", "veto of ceo mode_change"),
    (decision("override", role="operator", action="peak_reset"), {}, None, ""),
    (decision("capital_profile", role="ceo", profile="MICRO", previous_profile="LOW"), {},
     "emergency_downgrade", "LOW -> MICRO"),
    (decision("capital_profile", role="ceo", priority=2, profile="LOW"), {}, None, ""),
    (decision("mode_change", role="operator", mode="PAUSED", previous_mode="LIVE"),
     {"key_name": "bob"}, "operator_mode_change", "LIVE -> PAUSED by bob"),
    (decision("mode_change", role="ceo", priority=2, mode="SHADOW"), {}, None, ""),
    (decision("ess_policy", role="cro", priority=2, level="CRITICAL"), {}, "ess_critical",
     "ESS CRITICAL"),
    (decision("ess_policy", role="cro", priority=2, level="WARNING"), {}, None, ""),
    (decision("freeze", status="vetoed"), {}, None, ""),
    (decision("freeze", status="superseded"), {}, None, ""),
]  # fmt: skip


@pytest.mark.parametrize(("d", "event_payload", "kind", "words"), CASES)
def test_each_decision_is_recognised(d, event_payload, kind, words):
    found = from_decisions([d], event_payload)
    assert [h.kind for h in found] == ([] if kind is None else [kind])
    if found:
        (h,) = found
        assert words in h.summary
        assert h.happening_id == d["decision_id"] and h.account_id == "acc"


def test_a_real_freeze_gives_freeze_downgrade_and_ess_critical():
    state, cfg = FederationState(), CoreConfig()
    kinds = []
    for n, equity in ((1, 10_000.0), (2, 8_500.0)):
        envelope = {"event_type": "portfolio.snapshot_updated", "event_id": f"s{n}",
                    "account_id": "acc", "timestamp": f"2024-01-01T10:0{n}:00Z",
                    "payload": {"total_equity": equity}}  # fmt: skip
        decisions = [d.to_dict() for d in step(state, parse_event(envelope), cfg).decisions]
        kinds.append(sorted(h.kind for h in from_decisions(decisions, envelope["payload"])))
    assert kinds == [[], ["emergency_downgrade", "ess_critical", "freeze"]]


def test_an_early_warning_is_keyed_by_its_warning_id():
    w = EarlyWarning("acc", Limit.DRAWDOWN, 0.085, 0.08, 0.10, 1_700_000_000_000_000, "e7")
    (h,) = from_warnings([w])
    assert h.kind == "early_warning" and h.happening_id == w.warning_id
    assert "drawdown" in h.summary and h.details["event_id"] == "e7"
