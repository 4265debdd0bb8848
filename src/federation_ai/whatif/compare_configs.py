"""``federation replay --compare``: replay one input under two configurations, side by side.

Each side writes its normal outputs to ``DIR/a`` and ``DIR/b``; ``DIR/compare.json`` holds
the decisions that differ and every figure of ``report.json`` for A, B and B - A, and
``DIR/compare.html`` shows them with both governed curves on one chart.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from federation_ai.core.micros import parse_timestamp
from federation_ai.replay.replay_run import replay
from federation_ai.replay.sources import equity_from_trades, open_source
from federation_ai.settings import load_settings
from federation_ai.whatif.compare_html import render_compare
from federation_ai.whatif.diff import changed_kpis, diff_decisions, kpi_deltas

if TYPE_CHECKING:
    from pathlib import Path

    from federation_ai.replay.replay_run import ReplayStats

COMPARE_OUTPUTS: Final = ("compare.json", "compare.html")
MAX_CURVE_POINTS: Final = 4000


@dataclass(frozen=True, slots=True)
class Side:
    name: str
    config: Path | None


def replay_side(input_path: Path, trades: Path | None, side: Side, out: Path) -> ReplayStats:
    settings = load_settings(side.config)
    items = open_source(
        input_path, trades, freqtrade_model_name=settings.replay.freqtrade_model_name
    )
    return replay(
        items,
        settings.core,
        out / side.name,
        report=settings.report,
        equity_from_trades=equity_from_trades(input_path),
    )


def _decisions(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _curves(a_csv: Path, b_csv: Path) -> dict[str, dict[str, list[float]]]:
    """Per account: time (s), raw equity, governed equity of A and of B (the two sides
    replay the same snapshots, so their rows pair up one to one)."""
    out: dict[str, dict[str, list[float]]] = {}
    with a_csv.open(encoding="utf-8") as fa, b_csv.open(encoding="utf-8") as fb:
        for ra, rb in zip(csv.DictReader(fa), csv.DictReader(fb), strict=True):
            c = out.setdefault(ra["account_id"], {"t": [], "raw": [], "a": [], "b": []})
            c["t"].append(parse_timestamp(ra["timestamp"]) / 1e6)
            c["raw"].append(float(ra["raw_equity"]))
            c["a"].append(float(ra["governed_equity"]))
            c["b"].append(float(rb["governed_equity"]))
    for c in out.values():
        stride = -(-len(c["t"]) // MAX_CURVE_POINTS)
        if stride > 1:
            for k, v in c.items():
                c[k] = v[::stride] + ([v[-1]] if (len(v) - 1) % stride else [])
    return out


def compare(
    input_path: Path, trades: Path | None, config_a: Path | None, config_b: Path, out: Path
) -> dict[str, Any]:
    """Replay both sides and write ``compare.json`` and ``compare.html``; return the former."""
    sides = (Side("a", config_a), Side("b", config_b))
    for side in sides:
        replay_side(input_path, trades, side, out)
    reports = [
        json.loads((out / s.name / "report.json").read_text(encoding="utf-8")) for s in sides
    ]
    deltas = kpi_deltas(reports[0], reports[1])
    result = {
        "input": input_path.name,
        "configs": {s.name: str(s.config) if s.config else None for s in sides},
        "config_digests": {
            s.name: r["settings"]["config_digest"] for s, r in zip(sides, reports, strict=True)
        },
        "decisions": diff_decisions(
            _decisions(out / "a" / "decisions.jsonl"), _decisions(out / "b" / "decisions.jsonl")
        ),
        "kpis": deltas,
        "kpis_changed": changed_kpis(deltas),
    }
    text = json.dumps(result, indent=2, sort_keys=True, allow_nan=False) + "\n"
    (out / "compare.json").write_text(text, encoding="utf-8")
    curves = _curves(out / "a" / "governed.csv", out / "b" / "governed.csv")
    (out / "compare.html").write_text(render_compare(result, curves), encoding="utf-8")
    return result
