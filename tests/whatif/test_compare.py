"""`federation replay --compare`: decisions that differ and KPI deltas of two configurations."""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from federation_ai.cli.main import app
from federation_ai.whatif.diff import changed_kpis, diff_decisions, kpi_deltas

if TYPE_CHECKING:
    from pathlib import Path

runner = CliRunner()

# One account: 10,000 → peak 10,200 → 9,600 (DD 5.88 %) → 9,700 (4.90 %) → 10,300.
# freeze_drawdown 0.10 never freezes; 0.05 freezes at e003 (DD 5.88 % > 5 %). At e004,
# 61 minutes later, DD 4.90 % < 5 % but the day's PnL is still −3 %: it stays frozen;
# at e005 the day is +3 % and DD 0: the Supervisor unfreezes (SPEC §5.1).
SCENARIO = [
    ("e001", "2024-03-01T09:00:00Z", 10_000.0),
    ("e002", "2024-03-01T10:00:00Z", 10_200.0),
    ("e003", "2024-03-01T11:00:00Z", 9_600.0),
    ("e004", "2024-03-01T12:01:00Z", 9_700.0),
    ("e005", "2024-03-01T13:00:00Z", 10_300.0),
]


def _input(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    lines = [
        json.dumps(
            {
                "event_type": "portfolio.snapshot_updated",
                "event_id": eid,
                "timestamp": ts,
                "payload": {"total_equity": eq},
            }
        )
        for eid, ts, eq in SCENARIO
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _config(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _governed(out: Path) -> list[float]:
    with (out / "governed.csv").open() as fh:
        return [float(row["governed_equity"]) for row in csv.DictReader(fh)]


def _compare(tmp_path: Path, a: Path, b: Path) -> dict:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "replay",
            str(_input(tmp_path)),
            "--config",
            str(a),
            "--compare",
            str(b),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("compare.json", "compare.html", "a/report.json", "b/decisions.jsonl"):
        assert (out / name).is_file(), name
    return json.loads((out / "compare.json").read_text())


def test_a_config_compared_with_itself_differs_in_nothing(tmp_path):
    base = _config(tmp_path, "a.toml", "[supervisor]\nfreeze_drawdown = 0.05\n")
    result = _compare(tmp_path, base, base)
    counts = result["decisions"]["counts"]
    assert counts["a"] == counts["b"] > 0
    assert (counts["added"], counts["removed"], counts["changed"]) == (0, 0, 0)
    assert result["kpis_changed"] == []
    assert all(v["delta"] in (0, None) for v in result["kpis"].values())
    assert result["kpis"]["total.governed.total_return"]["delta"] == 0


def test_a_tighter_freeze_drawdown_adds_the_freeze_and_its_unfreeze(tmp_path):
    a = _config(tmp_path, "a.toml", "[supervisor]\nfreeze_drawdown = 0.10\n")
    b = _config(tmp_path, "b.toml", "[supervisor]\nfreeze_drawdown = 0.05\n")
    result = _compare(tmp_path, a, b)
    d = result["decisions"]
    added = [(x["event_id"], x["role"], x["type"], x["b"]["status"]) for x in d["added"]]
    assert added == [
        ("e003", "supervisor", "freeze", "applied"),
        ("e005", "supervisor", "unfreeze", "applied"),
    ]
    assert d["removed"] == [] and d["changed"] == []
    freezes = result["kpis"]["total.kpis.freezes"]
    assert (freezes["a"], freezes["b"], freezes["delta"]) == (0, 1, 1)
    # B is A until e003, then frozen (m = 0) over e003 → e004 → e005: flat from there
    a_gov, b_gov = (_governed(tmp_path / "out" / side) for side in ("a", "b"))
    assert b_gov[:3] == a_gov[:3]
    assert b_gov[3:] == [a_gov[2], a_gov[2]]
    assert a_gov[3:] != b_gov[3:]
    gov = result["kpis"]["total.governed.final_equity"]
    assert (gov["a"], gov["b"]) == (a_gov[-1], a_gov[2])
    assert "settings.config_digest" in result["kpis_changed"]


def test_decision_diff_matches_by_event_role_and_type():
    a = [
        {
            "account_id": "x",
            "event_id": "e1",
            "role_source": "cro",
            "decision_type": "t",
            "status": "applied",
            "decision_id": "1",
        },
        {
            "account_id": "x",
            "event_id": "e2",
            "role_source": "ceo",
            "decision_type": "m",
            "status": "applied",
        },
    ]
    b = [
        {
            "account_id": "x",
            "event_id": "e1",
            "role_source": "cro",
            "decision_type": "t",
            "status": "vetoed",
            "decision_id": "2",
        },
        {
            "account_id": "x",
            "event_id": "e3",
            "role_source": "ceo",
            "decision_type": "m",
            "status": "applied",
        },
    ]
    d = diff_decisions(a, b)
    assert [x["event_id"] for x in d["added"]] == ["e3"]
    assert [x["event_id"] for x in d["removed"]] == ["e2"]
    assert [(x["event_id"], x["fields"]) for x in d["changed"]] == [("e1", ["status"])]


def test_kpi_deltas_cover_every_leaf_but_timing():
    a = {"total": {"x": 1.0, "y": None, "n": {"k": 2}}, "timing": {"p50": 3.0}}
    b = {"total": {"x": 1.5, "y": 0.2, "n": {"k": 2}}, "timing": {"p50": 9.0}}
    deltas = kpi_deltas(a, b)
    assert deltas == {
        "total.n.k": {"a": 2, "b": 2, "delta": 0},
        "total.x": {"a": 1.0, "b": 1.5, "delta": 0.5},
        "total.y": {"a": None, "b": 0.2, "delta": None},
    }
    assert changed_kpis(deltas) == ["total.x", "total.y"]
