"""One message per channel and round: every pending happening of the channel, grouped.

A freeze storm over 50 accounts is one message whose title counts them and whose body
lists them (at most ``MAX_LINES``; the JSON webhook always carries every happening).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from federation_ai.alerts.happenings import SEVERITY_RANK, Severity

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_LINES = 100
PRODUCT = "Federation AI"


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str
    severity: str
    happenings: tuple[dict[str, Any], ...]  # each with its "severity"
    delivery_id: str  # the same for the same happenings: a receiver can drop a repeat

    def as_json(self) -> dict[str, Any]:
        return {
            "source": PRODUCT,
            "delivery_id": self.delivery_id,
            "title": self.title,
            "severity": self.severity,
            "count": len(self.happenings),
            "happenings": list(self.happenings),
        }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _title(severity: str, happenings: Sequence[dict[str, Any]]) -> str:
    head = f"[{severity.upper()}] {PRODUCT}"
    if len(happenings) == 1:
        return f"{head}: {happenings[0]['kind']}: {happenings[0]['summary']}"
    kinds = Counter(str(h["kind"]) for h in happenings)
    accounts = {h["account_id"] for h in happenings if h.get("account_id")}
    if len(kinds) == 1:
        (kind,) = kinds
        where = f" on {_plural(len(accounts), 'account')}" if accounts else ""
        return f"{head}: {kind}{where} ({len(happenings)})"
    shown = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{head}: {len(happenings)} happenings: {shown}"


def _overview(happenings: Sequence[dict[str, Any]]) -> list[str]:
    """One line per kind naming every account it concerns (a storm's whole list)."""
    accounts: dict[str, list[str]] = {}
    for h in happenings:
        names = accounts.setdefault(str(h["kind"]), [])
        if h.get("account_id") and h["account_id"] not in names:
            names.append(str(h["account_id"]))
    lines = []
    for kind, names in accounts.items():
        count = sum(1 for h in happenings if h["kind"] == kind)
        where = f" on {_plural(len(names), 'account')}: {', '.join(sorted(names))}" if names else ""
        lines.append(f"{kind} ({count}){where}")
    return [*lines, ""]


def group(happenings: Sequence[dict[str, Any]]) -> Message:
    """One message for ``happenings`` (payloads of outbox rows, oldest first)."""
    if not happenings:
        raise ValueError("a message needs at least one happening")
    severity = min(
        (str(h.get("severity", Severity.INFO)) for h in happenings),
        key=lambda s: SEVERITY_RANK.get(s, len(SEVERITY_RANK)),
    )
    ordered = sorted(
        happenings, key=lambda h: (SEVERITY_RANK.get(str(h.get("severity")), 9), h["kind"])
    )
    lines = _overview(ordered) if len(ordered) > 1 else []
    lines += [f"- [{h.get('severity')}] {h['summary']} ({h['at']})" for h in ordered[:MAX_LINES]]
    if len(ordered) > MAX_LINES:
        lines.append(f"... and {len(ordered) - MAX_LINES} more")
    ids = "\n".join(sorted(str(h["happening_id"]) for h in happenings))
    delivery = "d-" + hashlib.sha256(ids.encode()).hexdigest()[:24]
    return Message(_title(severity, ordered), "\n".join(lines), severity, tuple(ordered), delivery)
