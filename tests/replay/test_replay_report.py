"""The governed report written by `federation replay`: files, determinism, the timing key."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from federation_ai.cli.main import app
from federation_ai.core import CoreConfig
from federation_ai.replay.replay_run import OUTPUTS, replay
from federation_ai.replay.sources import read_jsonl
from federation_ai.report import ReportConfig

DATA = Path(__file__).parents[1] / "acceptance" / "data"
EXAMPLE = Path(__file__).parents[2] / "examples" / "history-60d.jsonl"
runner = CliRunner()


def run(tmp_path, name, *args):
    out = tmp_path / name
    result = runner.invoke(app, ["replay", *map(str, args), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_replay_writes_the_report_files(tmp_path):
    out = run(tmp_path, "o", DATA / "edge_operator.events.jsonl")
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    header = (out / "governed.csv").read_text().splitlines()[0]
    assert header == "timestamp,account_id,raw_equity,governed_equity,raw_dd,governed_dd,m"
    report = json.loads((out / "report.json").read_text())
    assert set(report) == {"accounts", "settings", "timing", "total"}
    assert report["settings"] == {
        "accuracy_horizon_days": 5.0,
        "baseline_profile": "LOW",
        "config_digest": CoreConfig().digest,
        "method": "auto",
        "method_used": "nav",
    }
    assert report["timing"]["steps"] == 26 and report["timing"]["step_latency_p95_us"] > 0


def without_timing(path):
    report = json.loads(path.read_text())
    report.pop("timing")
    return report


def test_same_input_same_report_except_the_measured_latency(tmp_path):
    a = run(tmp_path, "a", EXAMPLE)
    b = run(tmp_path, "b", EXAMPLE)
    for name in ("decisions.jsonl", "governed.csv", "policy.json", "timeline.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert without_timing(a / "report.json") == without_timing(b / "report.json")
    text = (a / "report.json").read_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"  # sorted keys


def test_report_settings_come_from_the_config_file(tmp_path):
    cfg = tmp_path / "f.toml"
    cfg.write_text(
        '[report]\nmethod = "trades"\nbaseline_profile = "NORMAL"\naccuracy_horizon_days = 2\n'
    )
    out = run(tmp_path, "o", EXAMPLE, "--config", cfg)
    s = json.loads((out / "report.json").read_text())["settings"]
    assert (s["method_used"], s["baseline_profile"], s["accuracy_horizon_days"]) == (
        "trades",
        "NORMAL",
        2.0,
    )
    bad = tmp_path / "bad.toml"
    bad.write_text('[report]\nmethod = "vibes"\n')
    result = runner.invoke(app, ["replay", str(EXAMPLE), "--config", str(bad)])
    assert result.exit_code == 2 and "report.method" in result.output


def test_a_stopped_replay_writes_no_report(tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(
        app, ["replay", str(DATA / "edge_input_hygiene.events.jsonl"), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert not out.exists() or not any(out.iterdir())


def test_time_in_mode_agrees_with_the_replay_summary(tmp_path):
    stats = replay(read_jsonl(EXAMPLE), CoreConfig(), tmp_path, report=ReportConfig())
    total = json.loads((tmp_path / "report.json").read_text())["total"]
    assert total["time_in_mode"] == {k: v / 1e6 for k, v in sorted(stats.time_in_mode.items())}
    assert total["time_in_profile"] == {
        k: v / 1e6 for k, v in sorted(stats.time_in_profile.items())
    }
    assert total["events"] == stats.processed
