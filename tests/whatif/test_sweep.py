"""`federation sweep`: the grid, validation naming the key, ranking, and one table from
every executor (1 process, 2 processes, a Dask LocalCluster)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from federation_ai.cli.main import app
from federation_ai.core import ConfigError
from federation_ai.whatif.executors import DaskExecutor, ProcessExecutor
from federation_ai.whatif.grid import grid, parse_set
from federation_ai.whatif.sweep import plan, rank, sweep
from federation_ai.whatif.sweep_files import table_csv

DATA = Path(__file__).parents[1] / "acceptance" / "data"
INPUT = DATA / "edge_mdd_window.events.jsonl"  # 30 events, one account
SETS = ["supervisor.freeze_drawdown=0.03,0.10", "cro.caution_drawdown=0.02,0.03"]
runner = CliRunner()


def _table(executor) -> str:
    jobs = plan(INPUT, None, SETS, environ={})
    return table_csv(sweep(jobs, executor), [k for k, _ in jobs[0].overrides])


@pytest.mark.parametrize(
    ("sets", "expected"),
    [
        (["a.b=1,2"], [(("a.b", 1),), (("a.b", 2),)]),
        (["a.b=1,2", "c.d=x"], [(("a.b", 1), ("c.d", "x")), (("a.b", 2), ("c.d", "x"))]),
        (['a.b="LOW",true'], [(("a.b", "LOW"),), (("a.b", True),)]),
        (["a.b=[1.0, 0.5]"], [(("a.b", "[1.0"),), (("a.b", "0.5]"),)]),
    ],
)
def test_grid_is_the_product_of_the_lists(sets, expected):
    assert grid(sets) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [("nokey", "nokey"), ("supervisor=0.1", "supervisor"), ("a.b=1,", "a.b"), ("=1", "=1")],
)
def test_bad_set_names_it(text, key):
    with pytest.raises(ConfigError) as exc:
        parse_set(text)
    assert exc.value.args[0].startswith(key)


@pytest.mark.parametrize(
    ("sets", "key"),
    [
        (["supervisor.max_drawdown=0.08,0.1"], "supervisor.max_drawdown"),
        (["supervisor.freeze_drawdown=0.1,high"], "supervisor.freeze_drawdown"),
        (["nosuch.key=1"], "nosuch"),
    ],
)
def test_every_configuration_is_validated_before_any_replay(sets, key):
    with pytest.raises(ConfigError) as exc:
        plan(INPUT, None, sets, environ={})
    assert key in str(exc.value)


def test_cli_refuses_an_unknown_key_naming_it(tmp_path):
    result = runner.invoke(
        app, ["sweep", str(INPUT), "--set", "supervisor.max_drawdown=0.08", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "supervisor.max_drawdown" in result.output and "unknown key" in result.output
    assert not (tmp_path / "sweep.csv").exists()


def test_rank_by_sharpe_then_return_undefined_last():
    rows = [
        {"index": 0, "governed_sharpe": None, "governed_return": 0.5},
        {"index": 1, "governed_sharpe": 1.0, "governed_return": 0.1},
        {"index": 2, "governed_sharpe": 1.0, "governed_return": 0.2},
        {"index": 3, "governed_sharpe": 2.0, "governed_return": None},
        {"index": 4, "governed_sharpe": 1.0, "governed_return": 0.2},
    ]
    assert [(r["rank"], r["index"]) for r in rank(rows)] == [(1, 3), (2, 2), (3, 4), (4, 1), (5, 0)]


def test_cli_writes_a_ranked_table(tmp_path):
    result = runner.invoke(
        app, ["sweep", str(INPUT), *(a for s in SETS for a in ("--set", s)), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "sweep.csv").read_text())))
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4"]
    # the tighter freeze (0.03) freezes and ranks first on this history
    assert [r["supervisor.freeze_drawdown"] for r in rows] == ["0.03", "0.03", "0.1", "0.1"]
    sharpe = [float(r["governed_sharpe"]) for r in rows]
    assert sharpe == sorted(sharpe, reverse=True)
    assert int(rows[0]["freezes"]) > 0 and rows[-1]["freezes"] == "0"
    html = (tmp_path / "sweep.html").read_text()
    assert html.count("<tr>") == 5 and "<script" not in html


def test_one_job_equals_two_jobs():
    assert _table(ProcessExecutor(1)) == _table(ProcessExecutor(2))


def test_a_dask_local_cluster_gives_the_process_pool_table():
    from dask import distributed  # noqa: PLC0415 - the optional extra, as the CLI loads it

    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = _table(DaskExecutor(client))
    assert on_dask == _table(ProcessExecutor(2))
