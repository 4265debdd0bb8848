"""Write the governed replay report: ``report.json``, ``governed.csv`` and ``report.html``.

``report.json`` has sorted keys and is the same, byte for byte, for the same input and
configuration, except its ``timing`` key: step latency is measured in the shell
(``replay.latency``) and is the one figure that differs between runs. ``governed.csv``
is written as the replay runs (``report.rows``).
"""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING, Any, Final

from federation_ai.core.micros import format_timestamp
from federation_ai.report import GOVERNED_HEADER, build_report
from federation_ai.report.html import render_html

if TYPE_CHECKING:
    from pathlib import Path

    from federation_ai.replay.latency import Latency
    from federation_ai.report import Recorder
    from federation_ai.report.rows import Row

REPORT_OUTPUTS: Final = ("report.json", "governed.csv", "report.html")


def _fmt(x: float) -> str:
    return repr(round(x, 12))


class GovernedCsv:
    """``governed.csv``, written row by row as the recorder passes the rows on."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("w", encoding="utf-8", newline="")
        self._out = csv.writer(self._fh, lineterminator="\n")
        self._out.writerow(GOVERNED_HEADER)

    def write(self, row: Row) -> None:
        ts, account, raw, gov, raw_dd, gov_dd, m = row
        self._out.writerow(
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

    def restart(self) -> None:
        self._fh.seek(0)
        self._fh.truncate()
        self._out.writerow(GOVERNED_HEADER)

    def close(self) -> None:
        self._fh.close()


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_report(
    recorder: Recorder, latency: Latency, tmp: dict[str, Path], rows: GovernedCsv | None = None
) -> None:
    """``rows``: the ``governed.csv`` the recorder streamed to, if any (it is closed here)."""
    out = rows or GovernedCsv(tmp["governed.csv"])
    try:
        recorder.finish(out)
    finally:
        out.close()
    report = build_report(recorder, timing=latency.to_json())
    tmp["report.json"].write_text(report_json(report), encoding="utf-8")
    with tmp["report.html"].open("w", encoding="utf-8") as fh:
        fh.writelines(render_html(report, recorder))
