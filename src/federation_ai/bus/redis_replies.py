"""Redis replies as stream entries: bytes or text, RESP2 lists or RESP3 maps."""

from __future__ import annotations

from typing import Any

Raw = list[tuple[str, dict[str, str]]]


def text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def entries(raw: Any) -> Raw:
    """Normalise a stream-entry list; a trimmed entry comes back with empty fields."""
    return [
        (text(entry_id), {text(k): text(v) for k, v in (fields or {}).items()})
        for entry_id, fields in raw or []
        if entry_id is not None
    ]


def _fields(flat: list[Any]) -> dict[str, str]:
    if len(flat) % 2:
        raise ValueError("a stream entry's fields come in name/value pairs")
    pairs = iter(flat)  # zip of one iterator with itself: (name, value), (name, value), ...
    if all(type(x) is str for x in flat):  # a client that decodes replies: the usual case
        return dict(zip(pairs, pairs, strict=True))
    return {text(k): text(v) for k, v in zip(pairs, pairs, strict=True)}


def flat_entries(raw: Any) -> Raw:
    """Entries as a script returns them: ``[id, [field, value, ...]]`` (a trimmed
    entry, pending but deleted, has no fields)."""
    return [(text(e[0]), _fields(e[1]) if len(e) > 1 and e[1] else {}) for e in raw or []]


def read_reply(reply: Any) -> Raw:
    """Entries of a single-stream XREADGROUP reply (RESP2 list or RESP3 dict)."""
    items = reply.items() if isinstance(reply, dict) else (reply or [])
    out: Raw = []
    for _stream, got in items:
        out.extend(entries(got))
    return out
