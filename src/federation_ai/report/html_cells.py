"""HTML building blocks of the report: escaped text, tables, and number cells that name
the ``report.json`` value they show (``data-path``, ``data-value``), so the page can be
checked against the file it was made from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

Path = Sequence[str]


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    match kind:
        case "pct":
            return f"{value * 100:.2f} %"
        case "money":
            return f"{value:,.2f}"
        case "ratio":
            return f"{value:.2f}"
        case "days":
            return f"{value:.1f}"
        case "duration":
            return _duration(value)
        case _:
            return str(value)


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rem = divmod(minutes, 1440)
    hours, mins = divmod(rem, 60)
    return f"{days}d {hours:02d}h {mins:02d}m"


def dig(report: dict[str, Any], path: Path) -> Any:
    node: Any = report
    for key in path:
        node = node[key]
    return node


def num(report: dict[str, Any], path: Path, kind: str) -> str:
    """A ``<td>`` showing the value at ``path`` of the report, formatted as ``kind``."""
    value = dig(report, path)
    attrs = (
        f'class="num" data-kind="{kind}" data-path="{escape(json.dumps(list(path)))}" '
        f'data-value="{escape(json.dumps(value))}"'
    )
    return f"<td {attrs}>{escape(fmt(value, kind))}</td>"


def text(value: Any) -> str:
    return f"<td>{escape(str(value))}</td>"


def table(caption: str, head: Sequence[str], rows: Iterable[str], cls: str = "") -> str:
    th = "".join(f"<th scope='col'>{escape(h)}</th>" for h in head)
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    klass = f' class="{cls}"' if cls else ""
    return (
        f"<div class='table-wrap'><table{klass}><caption>{escape(caption)}</caption>"
        f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def row_head(label: str) -> str:
    return f"<th scope='row'>{escape(label)}</th>"
