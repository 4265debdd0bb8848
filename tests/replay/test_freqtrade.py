"""freqtrade backtest results as replay input (SPEC §11): the fixture round trip and refusals."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from federation_ai.cli.main import app
from federation_ai.core import parse_event
from federation_ai.core.micros import parse_timestamp
from federation_ai.replay.freqtrade import FreqtradeError, account_ids, load_result, read_freqtrade
from federation_ai.replay.items import SourceError

from .freqtrade_fixture import DATA, JSON_STAMP, ZIP_STAMP, json_result, zip_result

ZIP = DATA / f"backtest-result-{ZIP_STAMP}.zip"
JSON = DATA / f"backtest-result-{JSON_STAMP}.json"
runner = CliRunner()


def events_of(path, **kw):
    out = []
    for _, env in read_freqtrade(path, **kw):
        assert not isinstance(env, SourceError), env
        out.append(env)
    return out


def test_the_fixtures_are_what_the_script_writes():
    with zipfile.ZipFile(ZIP) as zf:
        assert json.loads(zf.read(f"backtest-result-{ZIP_STAMP}.json")) == json.loads(
            json.dumps(zip_result())
        )
    assert json.loads(JSON.read_text()) == json.loads(json.dumps(json_result()))


@pytest.mark.parametrize(("path", "built"), [(ZIP, zip_result), (JSON, json_result)])
def test_round_trip_trades_pnl_balance_symbols(path, built):
    strategies = built()["strategy"]
    events = events_of(path)
    assert {e["account_id"] for e in events} == set(strategies)
    for name, stats in strategies.items():
        mine = [e for e in events if e["account_id"] == name]
        trades = [e["payload"] for e in mine if e["event_type"] == "trade.closed"]
        snaps = [e["payload"] for e in mine if e["event_type"] == "portfolio.snapshot_updated"]
        assert len(trades) == len(stats["trades"]) == stats["total_trades"]
        assert sum(t["pnl_usd"] for t in trades) == pytest.approx(stats["profit_total_abs"])
        assert snaps[0]["total_equity"] == stats["starting_balance"]
        assert snaps[-1]["total_equity"] == pytest.approx(stats["final_balance"])
        assert {t["symbol"] for t in trades} == {t["pair"] for t in stats["trades"]}
        assert {t["model_name"] for t in trades} == {name}
        opened = sorted(parse_timestamp(t["opened_at"]) for t in trades)
        expected = sorted(t["open_timestamp"] * 1000 for t in stats["trades"])
        assert opened == expected
        # a snapshot at every open and close, and at the backtest's start and end
        times = {t["open_timestamp"] for t in stats["trades"]}
        times |= {t["close_timestamp"] for t in stats["trades"]}
        times |= {stats["backtest_start_ts"], stats["backtest_end_ts"]}
        assert len(snaps) == len(times)
        for env in mine:
            parse_event(env)  # every event is valid input


def test_shorts_and_leverage_keep_freqtrade_profit_and_are_recorded():
    stats = zip_result()["strategy"]["TrendFollowerFutures"]
    shorts = [t for t in stats["trades"] if t["is_short"]]
    assert shorts and all(t["leverage"] > 1 for t in stats["trades"])
    trades = [e["payload"] for e in events_of(ZIP) if e["account_id"] == "TrendFollowerFutures"]
    trades = [t for t in trades if "pnl_usd" in t]
    assert sum(t["is_short"] for t in trades) == len(shorts)
    by_open = {t["open_date"]: t for t in stats["trades"]}
    for t in trades:
        source = by_open[t["opened_at"].replace("T", " ").replace("Z", "+00:00")]
        assert (t["pnl_usd"], t["leverage"], t["is_short"]) == (
            source["profit_abs"],
            source["leverage"],
            source["is_short"],
        )


def test_equity_is_rebuilt_after_the_trades_closed_at_that_time():
    events = events_of(JSON)
    equity = json_result()["strategy"]["SampleStrategy"]["starting_balance"]
    for e in events:
        if e["event_type"] == "trade.closed":
            equity += e["payload"]["pnl_usd"]
        else:
            assert e["payload"]["total_equity"] == pytest.approx(equity)
    stamps = [parse_timestamp(e["timestamp"]) for e in events]
    assert stamps == sorted(stamps)


def test_model_name_can_come_from_enter_tag():
    trades = [e["payload"] for e in events_of(JSON, model_name_from="enter_tag")]
    names = {t["model_name"] for t in trades if "pnl_usd" in t}
    assert names == {"breakout", "pullback", "SampleStrategy"}  # no tag: the strategy


def test_result_json_beside_its_meta_in_the_zip_and_a_renamed_zip(tmp_path):
    renamed = tmp_path / "my-run.zip"
    with zipfile.ZipFile(ZIP) as src, zipfile.ZipFile(renamed, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        dst.writestr(f"backtest-result-{ZIP_STAMP}.meta.json", "{}")
    assert set(load_result(renamed)) == {"TrendFollowerFutures", "MeanReversionSpot"}


def test_strategy_names_become_valid_distinct_account_ids():
    assert account_ids(["Sample Strategy", "Sample/Strategy", "ok_1.v2", "..", "x" * 80]) == {
        "Sample Strategy": "Sample-Strategy",
        "Sample/Strategy": "Sample-Strategy-2",
        "ok_1.v2": "ok_1.v2",
        "..": "strategy-4",
        "x" * 80: "x" * 64,
    }


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def one_strategy(**stats):
    base = json_result()["strategy"]["SampleStrategy"]
    return {"strategy": {"S": {**base, **stats}}}


def one_trade(**fields):
    t = dict(json_result()["strategy"]["SampleStrategy"]["trades"][0])
    t.update(fields)
    return one_strategy(trades=[{k: v for k, v in t.items() if v is not ...}])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{"pair": "BTC/USDT"}], "old export format"),
        ({"trades": []}, "'strategy' object"),
        ({"strategy": []}, "'strategy' object"),
        ({"strategy": {}}, "no strategy"),
        ("{not json", "not valid JSON"),
        (one_strategy(starting_balance=None), "starting_balance: must be a number"),
        (one_strategy(trades=None), "trades: missing"),
        (one_trade(open_date=..., open_timestamp=...), "trades[0]: missing open_date"),
        (one_trade(close_date="yesterday"), "trades[0].close_date: not a date"),
        (one_trade(profit_abs="12"), "trades[0].profit_abs: must be a number"),
        (one_trade(pair=None), "trades[0].pair: missing"),
        (one_trade(is_short="no"), "trades[0].is_short: must be true or false"),
        (one_trade(open_date="2023-09-02 00:00:00+00:00"), "open_date is after close_date"),
    ],
)
def test_anything_else_is_refused_with_a_clear_message(tmp_path, data, message):
    with pytest.raises(FreqtradeError, match=None) as exc:
        read_freqtrade(write(tmp_path, "backtest-result.json", data))
    assert message in str(exc.value)


def test_zip_without_a_result_and_a_broken_zip_are_refused(tmp_path):
    empty = tmp_path / "backtest-result-x.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("backtest-result-x_config.json", "{}")
    with pytest.raises(FreqtradeError, match="no freqtrade backtest result inside"):
        read_freqtrade(empty)
    broken = write(tmp_path, "broken.zip", "not a zip")
    with pytest.raises(FreqtradeError, match="not a readable zip"):
        read_freqtrade(broken)


def test_equity_falling_to_zero_stops_with_the_reason(tmp_path):
    path = write(tmp_path, "r.json", one_trade(profit_abs=-5_000.0))
    items = list(read_freqtrade(path))
    assert isinstance(items[-1][1], SourceError)
    assert "falls to -2000.0" in items[-1][1].reason


# --- through the command line -------------------------------------------------------------


def test_replay_of_a_freqtrade_zip_writes_the_governed_report(tmp_path):
    result = runner.invoke(app, ["replay", str(ZIP), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["settings"]["method_used"] == "trades"
    strategies = zip_result()["strategy"]
    for name, stats in strategies.items():
        acct = report["accounts"][name]
        assert acct["method"] == "trades"
        assert acct["trades"]["count"] == acct["trades"]["with_opened_at"] == len(stats["trades"])
        assert acct["trades"]["pnl_usd"] == pytest.approx(stats["profit_total_abs"])
        assert acct["raw"]["start_equity"] == stats["starting_balance"]
        assert acct["raw"]["final_equity"] == pytest.approx(stats["final_balance"])
    assert {"report.html", "governed.csv", "decisions.jsonl"} <= {
        p.name for p in tmp_path.iterdir()
    }


def test_replay_of_the_older_json_and_the_enter_tag_setting(tmp_path):
    cfg = write(tmp_path, "f.toml", '[replay]\nfreqtrade_model_name = "enter_tag"\n')
    result = runner.invoke(
        app, ["replay", str(JSON), "--config", str(cfg), "--out", str(tmp_path / "o"), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "o" / "report.json").read_text())["accounts"]["SampleStrategy"]


def test_cli_refuses_other_inputs_with_the_reason(tmp_path):
    bad = write(tmp_path, "backtest-result.json", [{"pair": "BTC/USDT"}])
    result = runner.invoke(app, ["replay", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "old export format" in result.output
    txt = write(tmp_path, "trades.txt", "x")
    result = runner.invoke(app, ["replay", str(txt), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "freqtrade backtest result (.json or .zip)" in result.output
    result = runner.invoke(app, ["replay", str(ZIP), "--trades", str(txt)])
    assert result.exit_code == 2 and "--trades goes with an equity-curve CSV" in result.output
    bad_setting = write(tmp_path, "f.toml", '[replay]\nfreqtrade_model_name = "tag"\n')
    result = runner.invoke(app, ["replay", str(ZIP), "--config", str(bad_setting)])
    assert result.exit_code == 2 and "replay.freqtrade_model_name" in result.output
    assert not Path(tmp_path / "o").exists()
