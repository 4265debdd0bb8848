"""A sweep's ranked table: ``sweep.csv`` and ``sweep.html`` (self-contained, no script)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from html import escape
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

SWEEP_OUTPUTS: Final = ("sweep.csv", "sweep.html")
FIGURES: Final = (
    "governed_return",
    "governed_max_drawdown",
    "governed_sharpe",
    "accuracy",
    "raw_return",
    "raw_max_drawdown",
    "raw_sharpe",
    "freezes",
    "decisions",
)
PERCENT: Final = frozenset(
    {"governed_return", "governed_max_drawdown", "accuracy", "raw_return", "raw_max_drawdown"}
)
CSS: Final = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:16px;color:#0f172a}"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
    "th,td{border-bottom:1px solid #e2e8f0;padding:3px 8px;text-align:right}"
    "th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}.muted{color:#64748b}"
    "tr:first-child td{font-weight:600}.wrap{overflow-x:auto}"
)


def _cell(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return repr(round(x, 12))
    return str(x)


def table_csv(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(("rank", "config", *keys, *FIGURES, "config_digest"))
    for r in rows:
        out.writerow(
            (r["rank"], r["config"], *map(_cell, r["values"]), *(_cell(r[f]) for f in FIGURES),
             r["config_digest"])
        )  # fmt: skip
    return buf.getvalue()


def _shown(name: str, x: Any) -> str:
    if x is None:
        return "—"
    if name in PERCENT:
        return f"{x * 100:.2f} %"
    if isinstance(x, float):
        return f"{x:.3f}"
    return str(x)


def table_html(rows: Sequence[dict[str, Any]], keys: Sequence[str], title: str) -> str:
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    head = "".join(f"<th>{escape(h)}</th>" for h in ("rank", *keys, *FIGURES))
    body = "".join(
        "<tr>"
        f"<td>{r['rank']}</td>"
        + "".join(f"<td>{escape(_cell(v))}</td>" for v in r["values"])
        + "".join(
            f"<td data-field='{f}' data-value='{escape(_cell(r[f]))}'>"
            f"{escape(_shown(f, r[f]))}</td>"
            for f in FIGURES
        )
        + "</tr>"
        for r in rows
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        f"style-src 'sha256-{digest}'\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Federation AI: sweep</title><style>{CSS}</style></head><body>"
        f"<h1>Sweep: {escape(title)}</h1><p class='muted'>{len(rows)} configurations, ranked by"
        " governed Sharpe, then governed return. Every replay's figures are the whole"
        " history's (report.json total).</p>"
        f"<div class='wrap'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
        "</table></div></body></html>\n"
    )


def write_tables(
    out: Path, rows: Sequence[dict[str, Any]], keys: Sequence[str], title: str
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.csv").write_text(table_csv(rows, keys), encoding="utf-8")
    (out / "sweep.html").write_text(table_html(rows, keys, title), encoding="utf-8")
