"""`federation replay` end to end through the CLI: outputs, bad lines, CSV inputs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from federation_ai.cli.main import app

DATA = Path(__file__).parents[1] / "acceptance" / "data"
EXAMPLE = Path(__file__).parents[2] / "examples" / "history-60d.jsonl"
runner = CliRunner()


def test_replay_writes_three_outputs_and_a_summary(tmp_path):
    result = runner.invoke(
        app, ["replay", str(DATA / "edge_operator.events.jsonl"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "Decisions" in result.output and "Time in each mode" in result.output
    decisions = [json.loads(x) for x in (tmp_path / "decisions.jsonl").read_text().splitlines()]
    assert len(decisions) == 32
    policy = json.loads((tmp_path / "policy.json").read_text())
    assert policy["default"]["mode"] == "SHADOW"
    assert policy["default"]["pinned"]["mode"]["key_name"] == "ops-alice"
    header, *rows = (tmp_path / "timeline.csv").read_text().splitlines()
    assert header == "account_id,timestamp,nav,dd,mode,profile,tier,frozen"
    assert len(rows) == 7  # one per snapshot


def test_bad_line_stops_the_replay_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["replay", str(DATA / "edge_input_hygiene.events.jsonl"), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "line 10" in result.output and "time zone" in result.output
    assert not any(out.iterdir()) if out.exists() else True


def test_skip_invalid_reports_and_goes_on(tmp_path):
    result = runner.invoke(
        app,
        [
            "replay",
            str(DATA / "edge_input_hygiene.events.jsonl"),
            "--skip-invalid",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "8 invalid" in result.output
        and "2 duplicates" in result.output
        and "1 out of order" in result.output
    )
    assert "line 13" in result.output


def test_malformed_json_line_is_reported(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"event_type": "portfolio.snapshot_updated", "event_id": "a", "timestamp": "2024-01-01T00:00:00Z", "payload": {"total_equity": 10}}\n{not json\n'
    )
    result = runner.invoke(app, ["replay", str(src), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "line 2" in result.output and "JSON" in result.output


def test_equity_curve_csv_with_trades(tmp_path):
    curve = tmp_path / "equity.csv"
    curve.write_text(
        "timestamp,equity,net_flow\n2024-01-01,10000,\n2024-01-02,10100,\n"
        "2024-01-03,8900,\n2024-01-04,9000,500\n"
    )
    trades = tmp_path / "trades.csv"
    trades.write_text("timestamp,symbol,pnl_usd,model_name\n2024-01-02,BTCUSDT,50,xgboost\n")
    result = runner.invoke(
        app, ["replay", str(curve), "--trades", str(trades), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    decisions = [
        json.loads(x) for x in (tmp_path / "o" / "decisions.jsonl").read_text().splitlines()
    ]
    assert any(d["decision_type"] == "freeze" for d in decisions)  # −11.9 % day
    rows = (tmp_path / "o" / "timeline.csv").read_text().splitlines()
    assert len(rows) == 5


def test_config_file_changes_decisions_and_digest(tmp_path):
    cfg = tmp_path / "federation.toml"
    cfg.write_text("[supervisor]\nfreeze_drawdown = 0.2\nfreeze_daily_loss = 0.5\n")
    result = runner.invoke(
        app,
        [
            "replay",
            str(DATA / "edge_thresholds.events.jsonl"),
            "--config",
            str(cfg),
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    decisions = [json.loads(x) for x in (tmp_path / "decisions.jsonl").read_text().splitlines()]
    assert not any(
        d["decision_type"] == "freeze" and d["account_id"] == "default" for d in decisions
    )
    bad = tmp_path / "bad.toml"
    bad.write_text("[cro]\nmax_leverage = 'x'\n")
    result = runner.invoke(
        app, ["replay", str(DATA / "edge_thresholds.events.jsonl"), "--config", str(bad)]
    )
    assert result.exit_code == 2 and "cro.max_leverage" in result.output


def test_example_history_replays(tmp_path):
    result = runner.invoke(app, ["replay", str(EXAMPLE), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "decisions.jsonl").stat().st_size > 0
