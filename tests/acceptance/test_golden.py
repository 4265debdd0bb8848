"""The thirteen acceptance scenarios: replay each and match the expected decisions exactly
(ids, order, status and payload) under the rules of data/README.md, using its compare.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from federation_ai.core import CoreConfig
from federation_ai.replay.replay_run import replay
from federation_ai.replay.sources import read_jsonl
from tests.acceptance import compare

DATA = Path(__file__).parent / "data"
MANIFEST = json.loads((DATA / "manifest.json").read_text())


def _replay(name: str, out: Path) -> Path:
    scenario = MANIFEST[name]
    skip_invalid = "--skip-invalid" in scenario["replay_flags"]
    replay(read_jsonl(DATA / scenario["events"]), CoreConfig(), out, skip_invalid=skip_invalid)
    return out / "decisions.jsonl"


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_scenario_matches_expected(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    actual = _replay(name, tmp_path)
    code = compare.main([str(DATA / MANIFEST[name]["expected"]), str(actual)])
    report = capsys.readouterr().out
    assert code == 0, report
    lines = actual.read_text().splitlines()
    assert len(lines) == MANIFEST[name]["expected_decisions"]


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_replay_is_byte_identical(name: str, tmp_path: Path) -> None:
    first = _replay(name, tmp_path / "a").read_bytes()
    second = _replay(name, tmp_path / "b").read_bytes()
    assert first == second


def test_compare_detects_a_changed_decision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The comparison itself can fail: flip one status and it must report a difference."""
    actual = _replay("edge_operator", tmp_path)
    lines = actual.read_text().splitlines()
    d = json.loads(lines[3])
    d["status"] = "vetoed" if d["status"] != "vetoed" else "applied"
    lines[3] = json.dumps(d)
    actual.write_text("\n".join(lines) + "\n")
    assert compare.main([str(DATA / MANIFEST["edge_operator"]["expected"]), str(actual)]) == 1
    assert "difference" in capsys.readouterr().out
