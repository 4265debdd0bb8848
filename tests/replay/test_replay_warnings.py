"""Replay writes the early warnings to warnings.jsonl, apart from the decisions."""

from __future__ import annotations

import json
from pathlib import Path

from federation_ai.core import CoreConfig
from federation_ai.core.early_warnings import WarningsConfig
from federation_ai.replay.replay_run import replay
from federation_ai.replay.sources import read_jsonl
from tests.replay.test_replay_report import run

DATA = Path(__file__).parents[1] / "acceptance" / "data"
THRESHOLDS = DATA / "edge_thresholds.events.jsonl"


def _warnings(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "warnings.jsonl").read_text().splitlines()]


def test_replay_writes_warnings_before_the_freeze(tmp_path):
    out = run(tmp_path, "o", THRESHOLDS)
    found = _warnings(out)
    assert found, "the thresholds scenario comes close to its freeze limits"
    assert {w["limit"] for w in found} <= {
        "drawdown", "daily_loss", "consecutive_losses", "low_equity",
    }  # fmt: skip
    for w in found:
        assert set(w) == {
            "warning_id", "account_id", "limit", "value", "threshold", "freeze_at",
            "timestamp", "event_id",
        }  # fmt: skip


def test_warnings_change_no_decision_byte(tmp_path):
    on = tmp_path / "on"
    off = tmp_path / "off"
    replay(read_jsonl(THRESHOLDS), CoreConfig(), on)
    replay(read_jsonl(THRESHOLDS), CoreConfig(), off, warnings=WarningsConfig(enabled=False))
    for name in ("decisions.jsonl", "policy.json", "timeline.csv"):
        assert (on / name).read_bytes() == (off / name).read_bytes()
    assert _warnings(on)
    assert _warnings(off) == []


def test_replay_warnings_are_deterministic(tmp_path):
    a, b = run(tmp_path, "a", THRESHOLDS), run(tmp_path, "b", THRESHOLDS)
    assert (a / "warnings.jsonl").read_bytes() == (b / "warnings.jsonl").read_bytes()
