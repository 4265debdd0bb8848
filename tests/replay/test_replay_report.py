"""The governed report written by `federation replay`: files, determinism, the timing key."""

from __future__ import annotations

import json
import math
from pathlib import Path

from typer.testing import CliRunner

from federation_ai.cli.main import app
from federation_ai.core import CoreConfig
from federation_ai.replay.latency import Latency
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


def test_governed_csv_is_in_time_order_whatever_order_the_accounts_come_in(tmp_path):
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    fund_b = [line for line in lines if '"account_id":"fund-b"' in line]
    apart = tmp_path / "apart.jsonl"  # every default event first, then every fund-b one
    apart.write_text("".join([line for line in lines if line not in fund_b] + fund_b))
    a, b = run(tmp_path, "a", EXAMPLE), run(tmp_path, "b", apart)
    assert (a / "governed.csv").read_bytes() == (b / "governed.csv").read_bytes()
    assert without_timing(a / "report.json") == without_timing(b / "report.json")
    assert not list(b.glob(".*"))  # no spool or partial file left behind


def test_step_latency_percentiles_are_within_a_bucket_of_the_exact_ones():
    steps = [(i * 7919) % 50_000 + 3_000 for i in range(10_001)]
    lat = Latency()
    for ns in steps:
        lat.add(ns)
    timing = lat.to_json()
    ordered = sorted(steps)
    assert timing["steps"] == len(steps)
    assert timing["step_latency_max_us"] == ordered[-1] / 1000
    for key, q in (("step_latency_p50_us", 0.50), ("step_latency_p95_us", 0.95)):
        exact = ordered[math.ceil(len(steps) * q) - 1] / 1000
        assert abs(timing[key] - exact) <= exact / 128
