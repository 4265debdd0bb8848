"""``report.html``: one self-contained page (SPEC §11, §13) that opens offline.

The tables are rendered here from ``report.json``'s values; the charts are drawn in
the browser by uPlot (vendored in ``federation_ai/vendor/uplot``, inlined) from the
series embedded in the page. A Content Security Policy naming the inline scripts and
styles by hash forbids every network request.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Any

from federation_ai.core.micros import format_timestamp
from federation_ai.report import html_sections as sec
from federation_ai.report.chart_data import chart_json

if TYPE_CHECKING:
    from collections.abc import Iterator

    from federation_ai.report.recorder import Recorder

CHARTS = (
    ("equity", "Equity: raw and governed"),
    ("drawdown", "Drawdown: raw and governed"),
    ("exposure", "Exposure multiplier m"),
    ("timeline", "Decision timeline"),
)


def _asset(*parts: str) -> str:
    return resources.files("federation_ai").joinpath(*parts).read_text(encoding="utf-8")


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _legend() -> str:
    chips = [("band-frozen", "frozen")]
    chips += [(f"mode-{m}", m) for m in ("LIVE", "SHADOW", "PAUSED", "EMERGENCY")]
    chips += [(f"profile-{p}", p) for p in ("MICRO", "LOW", "NORMAL", "AGGRESSIVE")]
    spans = "".join(f"<span class='chip {c}'>{escape(t)}</span>" for c, t in chips)
    return (
        "<p class='legend'>Bands: shaded = frozen; top strip = mode; bottom strip = capital"
        f" profile. {spans}</p>"
    )


def _account(r: dict[str, Any], rec: Recorder, account_id: str, index: int) -> str:
    base = ["accounts", account_id]
    body = r["accounts"][account_id]
    charts = "".join(
        f"<figure class='chart' data-chart='{kind}' data-account='{index}'>"
        f"<figcaption>{escape(title)}</figcaption><div class='plot'></div></figure>"
        for kind, title in CHARTS
    )
    if not body["snapshots"]:
        charts = "<p class='muted'>No portfolio snapshot: no equity curve to govern.</p>"
    return (
        f"<section class='account' id='acct-{escape(account_id)}'>"
        f"<h2>Account {escape(account_id)} <small>method {escape(body['method'])}, "
        f"{body['events']} events, {body['snapshots']} snapshots</small></h2>"
        f"{_legend() if body['snapshots'] else ''}<div class='charts'>{charts}</div>"
        f"<div class='grid'>{sec.figures(r, base)}{sec.impact(r, base)}{sec.kpis(r, base)}"
        f"{sec.trades(r, base)}{sec.accuracy(r, base)}{sec.times(r, base)}</div>"
        f"{sec.decisions(r, base)}{sec.key_decisions(rec.accounts[account_id])}</section>"
    )


def _header(r: dict[str, Any], rec: Recorder) -> str:
    s = r["settings"]
    firsts = [a.first_ts for a in rec.accounts.values() if a.first_ts is not None]
    lasts = [a.last_ts for a in rec.accounts.values() if a.last_ts is not None]
    span = (
        f"{format_timestamp(min(firsts))} to {format_timestamp(max(lasts))}" if firsts else "empty"
    )
    return (
        "<header><h1>Would governance have helped?</h1>"
        f"<p class='muted'>Governed replay of {len(rec.accounts)} account(s), {escape(span)}. "
        f"Method <b>{escape(s['method_used'])}</b> (setting {escape(s['method'])}), baseline "
        f"profile <b>{escape(s['baseline_profile'])}</b>, accuracy horizon "
        f"{s['accuracy_horizon_days']:g} days, config {escape(s['config_digest'][:19])}…</p>"
        "</header>"
    )


def render_html(report: dict[str, Any], rec: Recorder) -> Iterator[str]:
    """The page, piece by piece (an account's sections and chart data at a time)."""
    uplot_js = _asset("vendor", "uplot", "uPlot.iife.min.js")
    css = (
        _asset("vendor", "uplot", "uPlot.min.css") + "\n" + _asset("report", "static", "report.css")
    )
    script = _asset("report", "static", "report.js")
    csp = (
        f"default-src 'none'; script-src {_hash(uplot_js)} {_hash(script)}; "
        f"style-src {_hash(css)}; img-src data:; base-uri 'none'; form-action 'none'"
    )
    total = ["total"]
    yield (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{csp}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Federation AI: governed replay report</title>"
        f"<style>{css}</style></head><body><main>{_header(report, rec)}"
        "<section class='total'><h2>All accounts</h2><div class='grid'>"
        f"{sec.figures(report, total)}{sec.impact(report, total)}{sec.kpis(report, total)}"
        f"{sec.accuracy(report, total)}{sec.trades(report, total)}{sec.times(report, total)}"
        f"</div>{sec.overview(report)}{sec.decisions(report, total)}</section>"
    )
    for i, account_id in enumerate(report["accounts"]):
        yield _account(report, rec, account_id, i)
    yield "</main><script type='application/json' id='report-data'>"
    yield from chart_json(rec)
    yield f"</script><script>{uplot_js}</script><script>{script}</script></body></html>\n"
