"""`federation replay --jobs N`: the same files as one process, byte for byte (but for the
measured step latency), on multi-account logs, with bad lines stopping or skipped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from federation_ai.cli.main import app
from federation_ai.replay.replay_jobs import job_of
from federation_ai.synthetic import SynthConfig, generate

DATA = Path(__file__).parents[1] / "acceptance" / "data"
runner = CliRunner()
TIMING_CELL = re.compile(r'data-path="\[&quot;timing&quot;, [^"]*"[^<]*<')


def _files(out: Path) -> dict[str, str]:
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}
    report = json.loads(files["report.json"])
    assert report.pop("timing")["steps"] > 0  # the one measured figure
    files["report.json"] = json.dumps(report, sort_keys=True)
    files["report.html"] = TIMING_CELL.sub("", files["report.html"])
    return files


def _replay(path: Path, out: Path, *flags: str) -> str:
    result = runner.invoke(app, ["replay", str(path), "--out", str(out), *flags])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def multi_account(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = SynthConfig(seed=11, accounts=("acct-a", "acct-b", "acct-c", "fund-d", "default"))
    path = tmp_path_factory.mktemp("jobs") / "log.jsonl"
    lines = [json.dumps(env) for env in generate(cfg, 6000)]
    lines.insert(100, lines[50])  # a duplicate
    lines.insert(200, "not json")  # a bad line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("jobs", [2, 3, 7])
def test_jobs_write_the_same_files_as_one_process(multi_account, tmp_path, jobs):
    one = _replay(multi_account, tmp_path / "one", "--skip-invalid", "-q")
    many = _replay(multi_account, tmp_path / "many", "--skip-invalid", "-q", "--jobs", str(jobs))
    assert one == many == ""
    files = _files(tmp_path / "one")
    assert files == _files(tmp_path / "many")
    assert len(files["decisions.jsonl"].splitlines()) > 50
    assert len(json.loads(files["policy.json"])) == 5


def test_the_accounts_are_spread_over_the_jobs():
    accounts = ("acct-a", "acct-b", "acct-c", "fund-d", "default")
    assert len({job_of({"account_id": a}, 3) for a in accounts}) > 1
    assert job_of({}, 3) == job_of({"account_id": "default"}, 3)
    assert job_of("not an object", 3) == job_of({"account_id": 12}, 3) == 0


def test_the_summary_is_the_same(multi_account, tmp_path):
    one = _replay(multi_account, tmp_path / "one", "--skip-invalid")
    many = _replay(multi_account, tmp_path / "many", "--skip-invalid", "--jobs", "2")
    strip = re.compile(r"in [0-9.]+ ?s|[0-9,]+ events/s|/(one|many)/")
    assert strip.sub("", one) == strip.sub("", many)


def test_a_bad_line_stops_every_job_and_the_first_is_reported(tmp_path):
    out = tmp_path / "out"
    path = DATA / "edge_input_hygiene.events.jsonl"
    result = runner.invoke(app, ["replay", str(path), "--out", str(out), "--jobs", "3"])
    assert result.exit_code == 1
    assert "line 10" in result.output and "time zone" in result.output
    assert not any(out.iterdir())


def test_jobs_take_event_logs_only(tmp_path):
    path = tmp_path / "equity.csv"
    path.write_text("timestamp,equity\n2024-01-01,100\n", encoding="utf-8")
    result = runner.invoke(app, ["replay", str(path), "--out", str(tmp_path), "--jobs", "2"])
    assert result.exit_code == 2
    assert "--jobs" in result.output
