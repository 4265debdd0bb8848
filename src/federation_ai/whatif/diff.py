"""The difference of two replays: decisions added / removed / changed and every KPI's delta.

Pure: it reads the decoded outputs of two replays of the same input (``decisions.jsonl``
lines and ``report.json``) and returns plain data for ``compare.json``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

# Fields that name a decision (or the configuration) rather than describe it: not compared.
IGNORED_FIELDS = frozenset(
    {"decision_id", "account_id", "event_id", "role_source", "decision_type", "config_digest"}
)
# Keys of report.json that describe the run, not the outcome.
SKIPPED_REPORT_KEYS = frozenset({"timing"})

Key = tuple[str, str, str, str, int]  # account, event, role, type, occurrence


def _keyed(decisions: Iterable[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    seen: Counter[tuple[str, str, str, str]] = Counter()
    out: dict[Key, dict[str, Any]] = {}
    for d in decisions:
        base = (
            str(d.get("account_id")),
            str(d.get("event_id")),
            str(d.get("role_source")),
            str(d.get("decision_type")),
        )
        out[(*base, seen[base])] = d
        seen[base] += 1
    return out


def _key_json(key: Key) -> dict[str, Any]:
    account, event, role, kind, n = key
    return {"account_id": account, "event_id": event, "role": role, "type": kind, "n": n}


def _body(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in IGNORED_FIELDS}


def diff_decisions(a: Iterable[dict[str, Any]], b: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Match decisions by account, event, role and type (the n-th of that kind in the event);
    one only in B is added, one only in A removed, one in both with other fields changed."""
    ka, kb = _keyed(a), _keyed(b)
    added = [{**_key_json(k), "b": kb[k]} for k in kb if k not in ka]
    removed = [{**_key_json(k), "a": ka[k]} for k in ka if k not in kb]
    changed = []
    for k in ka:
        if k in kb and _body(ka[k]) != _body(kb[k]):
            fields = sorted(
                f for f in _body(ka[k]).keys() | _body(kb[k]).keys() if ka[k].get(f) != kb[k].get(f)
            )
            changed.append({**_key_json(k), "fields": fields, "a": ka[k], "b": kb[k]})
    return {
        "counts": {
            "a": len(ka),
            "b": len(kb),
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
        },
        "added": added,
        "removed": removed,
        "changed": changed,
    }


def _leaves(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k in sorted(node):
            yield from _leaves(node[k], f"{path}.{k}" if path else str(k))
    else:
        yield path, node


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def kpi_deltas(a: dict[str, Any], b: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every leaf of ``report.json`` (but ``timing``) by its dotted path: A, B and B - A
    (``null`` where either side is not a number); a path on one side only has ``null`` on
    the other."""
    la = dict(_leaves({k: v for k, v in a.items() if k not in SKIPPED_REPORT_KEYS}, ""))
    lb = dict(_leaves({k: v for k, v in b.items() if k not in SKIPPED_REPORT_KEYS}, ""))
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(la.keys() | lb.keys()):
        va, vb = la.get(path), lb.get(path)
        delta = (
            round(vb - va, 12)
            if isinstance(va, int | float)
            and _number(va)
            and isinstance(vb, int | float)
            and _number(vb)
            else None
        )
        out[path] = {"a": va, "b": vb, "delta": delta}
    return out


def changed_kpis(deltas: dict[str, dict[str, Any]]) -> list[str]:
    """Paths whose value differs (a non-zero delta, or unequal non-numbers)."""
    return [
        p
        for p, v in deltas.items()
        if (v["delta"] != 0 if v["delta"] is not None else v["a"] != v["b"])
    ]
