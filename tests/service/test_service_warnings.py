"""Early warnings in the live service: the same as replay's, in status and /metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from federation_ai.core import CoreConfig, parse_event
from federation_ai.replay.replay_run import replay
from federation_ai.replay.sources import read_jsonl
from federation_ai.service import build_service

from .conftest import settings_for

DATA = Path(__file__).parents[1] / "acceptance" / "data"

SCENARIOS = [
    "edge_thresholds.events.jsonl",
    "edge_rebaseline.events.jsonl",
    "edge_operator.events.jsonl",
    "edge_mdd_window.events.jsonl",
]


def load_events(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def replayed_warnings(name: str, out: Path) -> list[dict]:
    replay(read_jsonl(DATA / name), CoreConfig(), out)
    return [json.loads(line) for line in (out / "warnings.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("name", SCENARIOS)
async def test_live_ingest_warns_like_replay(tmp_path, name):
    expected = replayed_warnings(name, tmp_path / "replay")
    assert expected, "the scenario comes close to a freeze limit"
    svc = await build_service(settings_for(tmp_path / "svc"))
    await svc.start()
    try:
        for envelope in load_events(name):
            await svc.ingest(envelope)
        assert list(svc.pipeline.warnings.recent) == expected[-50:]
        status = svc.status()["early_warnings"]
        assert status["recent"] == expected[-50:]
        assert status["enabled"] is True
    finally:
        await svc.stop()


@pytest.mark.parametrize("name", SCENARIOS)
async def test_one_batch_of_many_events_warns_like_replay(tmp_path, name):
    """Every step is evaluated, not only each batch's last state of an account."""
    expected = replayed_warnings(name, tmp_path / "replay")
    svc = await build_service(settings_for(tmp_path / "svc"))
    await svc.start()
    try:
        events = [parse_event(e) for e in load_events(name)]
        async with svc.pipeline.lock:
            await svc.pipeline.run(events)
        assert list(svc.pipeline.warnings.recent) == expected[-50:]
    finally:
        await svc.stop()


async def test_status_and_metrics_show_active_warnings(tmp_path):
    svc = await build_service(settings_for(tmp_path))
    await svc.start()
    try:
        base = {"event_type": "portfolio.snapshot_updated", "account_id": "acc"}
        await svc.ingest({**base, "event_id": "s1", "timestamp": "2024-01-01T10:00:00Z",
                          "payload": {"total_equity": 10_000.0}})  # fmt: skip
        await svc.ingest({**base, "event_id": "s2", "timestamp": "2024-01-02T10:00:00Z",
                          "payload": {"total_equity": 9_150.0}})  # fmt: skip
        # DD 8.5 % (warns at 8 %) and the day's -8.5 % (warns at -4 %)
        assert svc.status()["early_warnings"]["active"] == {"acc": ["drawdown", "daily_loss"]}
        text = generate_latest(svc.metrics_registry()).decode()
        assert 'federation_early_warnings_total{limit="drawdown"} 1.0' in text
        assert 'federation_early_warnings_active{limit="drawdown"} 1.0' in text
        assert 'federation_early_warnings_active{limit="low_equity"} 0.0' in text
        # no decision carries a warning; the decision stream is unchanged
        decisions = [d async for d in svc.store.iter_decisions()]
        assert all("warning" not in d["decision_type"] for d in decisions)
    finally:
        await svc.stop()


async def test_a_restart_does_not_warn_again_about_what_is_active(tmp_path):
    base = {"event_type": "portfolio.snapshot_updated", "account_id": "acc"}

    def snap(n: int, day: int, equity: float) -> dict:
        return {**base, "event_id": f"s{n}", "timestamp": f"2024-01-0{day}T10:00:00Z",
                "payload": {"total_equity": equity}}  # fmt: skip

    svc = await build_service(settings_for(tmp_path))
    await svc.start()
    await svc.ingest(snap(1, 1, 10_000.0))
    await svc.ingest(snap(2, 2, 9_150.0))
    await svc.stop()
    again = await build_service(settings_for(tmp_path))
    await again.start()
    try:
        active = {"acc": ["drawdown", "daily_loss"]}
        assert again.status()["early_warnings"]["active"] == active
        await again.ingest(snap(3, 3, 9_100.0))  # DD 9 %: still past; the day -0.5 %: re-armed
        assert list(again.pipeline.warnings.recent) == []
        assert again.status()["early_warnings"]["active"] == {"acc": ["drawdown"]}
    finally:
        await again.stop()
