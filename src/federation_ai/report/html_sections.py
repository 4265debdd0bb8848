"""The report's tables, each from ``report.json``'s values at known paths."""

from __future__ import annotations

import tomllib
from functools import cache
from html import escape
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Final

from federation_ai.core.micros import format_timestamp
from federation_ai.report.html_cells import dig, num, row_head, table, text
from federation_ai.report.track import KEY_TYPES

if TYPE_CHECKING:
    from federation_ai.report.track import AccountTrack

Report = dict[str, Any]

Row = tuple[str, tuple[str, ...], str]  # label, path below the table's place, format


@cache
def _rows() -> dict[str, tuple[Row, ...]]:
    """The tables' rows, from ``table_rows.toml`` (read once, on first use)."""
    source = files("federation_ai.report").joinpath("table_rows.toml").read_text(encoding="utf-8")
    return {
        name: tuple((label, tuple(path.split(".")), kind) for label, path, kind in rows)
        for name, rows in tomllib.loads(source).items()
    }


ACCURACY: Final = (("right", "int"), ("counted", "int"), ("uncounted", "int"), ("accuracy", "pct"))
STATUSES: Final = ("applied", "superseded", "vetoed")
MAX_KEY_ROWS: Final = 200


def figures(r: Report, base: list[str]) -> str:
    rows = [
        row_head(label)
        + num(r, [*base, "raw", *key], kind)
        + num(r, [*base, "governed", *key], kind)
        for label, key, kind in _rows()["figures"]
    ]
    return table("Raw vs governed", ("", "raw", "governed"), rows, "figures")


def impact(r: Report, base: list[str]) -> str:
    path = [*base, "governance"]
    rows = [row_head(label) + num(r, [*path, *key], kind) for label, key, kind in _rows()["impact"]]
    return table(f"What governance changed, over {dig(r, [*path, 'units'])}", ("", ""), rows)


def kpis(r: Report, base: list[str]) -> str:
    path = [*base, "kpis"]
    rows = [row_head(label) + num(r, [*path, *key], kind) for label, key, kind in _rows()["kpis"]]
    if not base[1:] and r.get("timing", {}).get("step_latency_p95_us") is not None:
        label = "Step latency p95, µs (measured, differs between runs)"
        rows.append(row_head(label) + num(r, ["timing", "step_latency_p95_us"], "ratio"))
    return table("KPIs", ("", ""), rows)


def accuracy(r: Report, base: list[str]) -> str:
    path = [*base, "kpis", "decision_accuracy", "by_role"]
    rows = [
        row_head(role) + "".join(num(r, [*path, role, k], kind) for k, kind in ACCURACY)
        for role in dig(r, path)
    ]
    head = ("role", "right", "counted", "not counted", "accuracy")
    return table("Decision accuracy by role", head, rows)


def decisions(r: Report, base: list[str]) -> str:
    path = [*base, "decisions", "by_role"]
    by_role = dig(r, path)
    rows = []
    for role in sorted(by_role):
        for dtype in sorted(by_role[role]):
            cells = "".join(
                num(r, [*path, role, dtype, s], "int")
                if s in by_role[role][dtype]
                else "<td class='num'>0</td>"
                for s in STATUSES
            )
            rows.append(row_head(role) + text(dtype) + cells)
    return table("Decisions by role and type", ("role", "type", *STATUSES), rows)


def times(r: Report, base: list[str]) -> str:
    out = []
    for key, title in (
        ("time_in_mode", "Time in each mode"),
        ("time_in_profile", "Time in each profile"),
    ):
        rows = [
            row_head(name) + num(r, [*base, key, name], "duration") for name in dig(r, [*base, key])
        ]
        out.append(table(title, ("", ""), rows))
    return "".join(out)


def trades(r: Report, base: list[str]) -> str:
    path = [*base, "trades"]
    rows = [row_head(label) + num(r, [*path, *key], kind) for label, key, kind in _rows()["trades"]]
    return table("Closed trades (m at each trade's opened_at)", ("", ""), rows)


def overview(r: Report) -> str:
    rows = []
    cols = (
        (("events",), "int"),
        (("trades", "count"), "int"),
        (("raw", "total_return"), "pct"),
        (("governed", "total_return"), "pct"),
        (("raw", "max_drawdown"), "pct"),
        (("governed", "max_drawdown"), "pct"),
        (("kpis", "freezes"), "int"),
    )
    for acct in r["accounts"]:
        base = ["accounts", acct]
        cells = "".join(num(r, [*base, *key], kind) for key, kind in cols)
        link = f"<th scope='row'><a href='#acct-{escape(acct)}'>{escape(acct)}</a></th>"
        rows.append(link + text(r["accounts"][acct]["method"]) + cells)
    head = (
        "account", "method", "events", "trades", "raw return", "governed return",
        "raw max DD", "governed max DD", "freezes",
    )  # fmt: skip
    return table("Accounts", head, rows)


def key_decisions(track: AccountTrack) -> str:
    picked = [e for e in track.timeline if e.decision_type in KEY_TYPES or e.status == "vetoed"]
    rows = [
        text(format_timestamp(e.ts))
        + text(e.role)
        + text(e.decision_type)
        + f"<td class='status-{escape(e.status)}'>{escape(e.status)}</td>"
        + text(e.reason)
        for e in picked[:MAX_KEY_ROWS]
    ]
    caption = "Key decisions: freezes, modes, profiles, risk tiers and vetoes"
    if len(picked) > len(rows) or track.timeline_dropped:
        caption += f" (the first {len(rows)}; decisions.jsonl has them all)"
    return table(caption, ("at", "role", "type", "status", "reason"), rows, "decisions")
