"""``compare.html``: the what-if page, self-contained like ``report.html`` (uPlot inlined,
a Content Security Policy naming the inline script and styles by hash)."""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from importlib import resources
from typing import Any, Final

MAX_ROWS: Final = 500  # decisions listed per kind on the page; compare.json has them all


def _asset(*parts: str) -> str:
    return resources.files("federation_ai").joinpath(*parts).read_text(encoding="utf-8")


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _num(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return escape("" if x is None else str(x))


def _kpi_table(result: dict[str, Any]) -> str:
    rows = []
    for path in result["kpis_changed"]:
        v = result["kpis"][path]
        d = v["delta"]
        cls = "" if not d else (" pos" if d > 0 else " neg")
        rows.append(
            f"<tr><td>{escape(path)}</td><td class='num'>{_num(v['a'])}</td>"
            f"<td class='num'>{_num(v['b'])}</td><td class='num{cls}'>{_num(d)}</td></tr>"
        )
    if not rows:
        return "<p class='muted'>Every figure of report.json is the same.</p>"
    return (
        "<div class='wrap'><table><thead><tr><th>figure</th><th>A</th><th>B</th><th>B - A</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _decision_rows(kind: str, items: list[dict[str, Any]]) -> str:
    rows = []
    for it in items[:MAX_ROWS]:
        d = it.get("b") or it.get("a") or {}
        what = ", ".join(it.get("fields", [])) or str(d.get("status", ""))
        rows.append(
            f"<tr><td>{escape(kind)}</td><td>{escape(it['account_id'])}</td>"
            f"<td>{escape(str(d.get('timestamp', '')))}</td><td>{escape(it['event_id'])}</td>"
            f"<td>{escape(it['role'])}</td><td>{escape(it['type'])}</td><td>{escape(what)}</td></tr>"
        )
    return "".join(rows)


def _decisions(result: dict[str, Any]) -> str:
    d = result["decisions"]
    c = d["counts"]
    head = (
        f"<p>A: {c['a']} decisions, B: {c['b']}; {c['added']} only in B, {c['removed']} only "
        f"in A, {c['changed']} changed.</p>"
    )
    body = "".join(_decision_rows(k, d[k]) for k in ("added", "removed", "changed"))
    if not body:
        return head
    return (
        f"{head}<div class='wrap'><table><thead><tr><th></th><th>account</th><th>time</th>"
        "<th>event</th><th>role</th><th>type</th><th>status / fields changed</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def render_compare(result: dict[str, Any], curves: dict[str, dict[str, list[float]]]) -> str:
    uplot_js = _asset("vendor", "uplot", "uPlot.iife.min.js")
    css = (
        _asset("vendor", "uplot", "uPlot.min.css")
        + "\n"
        + _asset("whatif", "static", "compare.css")
    )
    script = _asset("whatif", "static", "compare.js")
    data = json.dumps(curves, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    csp = (
        f"default-src 'none'; script-src {_hash(uplot_js)} {_hash(script)}; "
        f"style-src {_hash(css)}; img-src data:; base-uri 'none'; form-action 'none'"
    )
    cfg = result["configs"]
    figures = "".join(
        f"<figure data-account='{escape(a)}'><figcaption>Account {escape(a)}: raw equity, "
        "governed A and governed B</figcaption><div class='plot'></div></figure>"
        for a in curves
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{csp}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Federation AI: what-if comparison</title>"
        f"<style>{css}</style></head><body><main><h1>What if?</h1>"
        f"<p class='muted'>{escape(result['input'])}: A = {escape(str(cfg['a'] or 'defaults'))},"
        f" B = {escape(str(cfg['b']))}. Each side's full report is in a/ and b/.</p>"
        f"<h2>Governed equity</h2>{figures}<h2>Figures that differ</h2>{_kpi_table(result)}"
        f"<h2>Decisions that differ</h2>{_decisions(result)}</main>"
        f"<script type='application/json' id='compare-data'>{data}</script>"
        f"<script>{uplot_js}</script><script>{script}</script></body></html>\n"
    )
