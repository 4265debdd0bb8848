"""``federation sweep``: replay one input under every combination of ``--set`` values and
rank the configurations.

The parent validates every configuration with the configuration loader before any replay
starts, and ships each job as plain data: the input path, and the whole configuration as a
mapping (base file, ``FEDERATION_*`` environment overrides and the combination), so a
worker on another host needs only the input at the same path. Each replay writes into a
temporary directory of its worker and returns one row of figures.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from federation_ai.core.core_config import ConfigError
from federation_ai.replay.replay_run import replay
from federation_ai.replay.sources import equity_from_trades, open_source
from federation_ai.settings import env_overrides, load_settings
from federation_ai.whatif.grid import grid, label, nested

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from federation_ai.whatif.executors import Executor
    from federation_ai.whatif.grid import Overrides


@dataclass(frozen=True, slots=True)
class SweepJob:
    index: int
    input_path: str
    trades: str | None
    overrides: Overrides
    config: Mapping[str, Any]  # the whole configuration, as load_settings' overrides


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = (
            _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        )
    return out


def _base(path: Path | None, environ: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(str(path), "config file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), f"not valid TOML: {exc}") from None
    return _deep_merge(data, env_overrides(environ))


def plan(
    input_path: Path,
    trades: Path | None,
    sets: Sequence[str],
    base: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[SweepJob]:
    """The jobs of a sweep; every configuration is loaded here once, so a bad key or value
    raises ``ConfigError`` naming it before anything runs."""
    if not sets:
        raise ConfigError("--set", "a sweep needs at least one --set section.key=values")
    data = _base(base, os.environ if environ is None else environ)
    jobs = []
    for i, combo in enumerate(grid(sets)):
        config = _deep_merge(data, nested(combo))
        load_settings(None, environ={}, overrides=config)
        jobs.append(SweepJob(i, str(input_path), str(trades) if trades else None, combo, config))
    return jobs


def run_job(job: SweepJob) -> dict[str, Any]:
    """Replay one configuration; its figures (``report.json``'s total) as one row."""
    settings = load_settings(None, environ={}, overrides=job.config)
    source = Path(job.input_path)
    items = open_source(
        source,
        Path(job.trades) if job.trades else None,
        freqtrade_model_name=settings.replay.freqtrade_model_name,
    )
    with tempfile.TemporaryDirectory(prefix="federation-sweep-") as tmp:
        stats = replay(
            items,
            settings.core,
            Path(tmp),
            report=settings.report,
            equity_from_trades=equity_from_trades(source),
        )
        report = (Path(tmp) / "report.json").read_text(encoding="utf-8")
    r = json.loads(report)
    total = r["total"]
    return {
        "index": job.index,
        "config": label(job.overrides),
        "values": [v for _, v in job.overrides],
        "governed_return": total["governed"]["total_return"],
        "governed_max_drawdown": total["governed"]["max_drawdown"],
        "governed_sharpe": total["governed"]["sharpe"],
        "accuracy": total["kpis"]["decision_accuracy"]["total"]["accuracy"],
        "raw_return": total["raw"]["total_return"],
        "raw_max_drawdown": total["raw"]["max_drawdown"],
        "raw_sharpe": total["raw"]["sharpe"],
        "freezes": total["kpis"]["freezes"],
        "decisions": sum(stats.decisions.values()),
        "config_digest": r["settings"]["config_digest"],
    }


def _desc(x: float | None) -> tuple[bool, float]:
    return (x is None, -(x or 0.0))


def rank(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best first: the higher governed Sharpe, then the higher governed return (an
    undefined one last), then the order of the grid."""
    ordered = sorted(
        rows,
        key=lambda r: (*_desc(r["governed_sharpe"]), *_desc(r["governed_return"]), r["index"]),
    )
    return [{"rank": i, **r} for i, r in enumerate(ordered, start=1)]


def sweep(jobs: Sequence[SweepJob], executor: Executor) -> list[dict[str, Any]]:
    return rank(executor.map(run_job, jobs))
