"""Write the governed replay report: ``report.json``, ``governed.csv`` and ``report.html``.

``report.json`` has sorted keys and is the same, byte for byte, for the same input and
configuration, except its ``timing`` key: step latency is measured here, in the shell,
and is the one figure that differs between runs.
"""

from __future__ import annotations

import csv
import json
import math
from typing import TYPE_CHECKING, Any, Final

from federation_ai.core.micros import format_timestamp
from federation_ai.report import GOVERNED_HEADER, build_report, governed_rows
from federation_ai.report.html import render_html

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from federation_ai.report import Recorder

REPORT_OUTPUTS: Final = ("report.json", "governed.csv", "report.html")


def _fmt(x: float) -> str:
    return repr(round(x, 12))


def latency(step_ns: Sequence[int]) -> dict[str, Any]:
    """p50 / p95 / max of the decision core's step time (nearest rank), in microseconds."""
    ordered = sorted(step_ns)
    n = len(ordered)

    def pct(q: float) -> float | None:
        if not n:
            return None
        return ordered[max(0, math.ceil(n * q) - 1)] / 1000

    return {
        "steps": n,
        "step_latency_p50_us": pct(0.50),
        "step_latency_p95_us": pct(0.95),
        "step_latency_max_us": ordered[-1] / 1000 if n else None,
        "note": "measured wall time of step(); differs between runs, unlike every other figure",
    }


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_report(recorder: Recorder, step_ns: Sequence[int], tmp: dict[str, Path]) -> None:
    report = build_report(recorder, timing=latency(step_ns))
    tmp["report.json"].write_text(report_json(report), encoding="utf-8")
    with tmp["governed.csv"].open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(GOVERNED_HEADER)
        for ts, account, raw, gov, raw_dd, gov_dd, m in governed_rows(recorder):
            out.writerow(
                (
                    format_timestamp(ts),
                    account,
                    _fmt(raw),
                    _fmt(gov),
                    _fmt(raw_dd),
                    _fmt(gov_dd),
                    _fmt(m),
                )
            )
    tmp["report.html"].write_text(render_html(report, recorder), encoding="utf-8")
