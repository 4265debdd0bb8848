"""Envelope shape: only values that every store can hold exactly, whatever the field.

Checked on the whole envelope before any field is read, so a value in a field the
core ignores (kept in ``raw`` and stored) cannot fail the commit later:

* nesting of at most ``MAX_DEPTH`` objects/arrays, the envelope itself counting one;
* integers within signed 64 bits (the stored JSON's encoder refuses wider ones, and
  JSON readers turn them into floats);
* finite floats (NaN and Infinity have no JSON form; they would be stored as null);
* object keys that are strings; strings without lone surrogates (not encodable as
  UTF-8) and without NUL (PostgreSQL text and JSONB cannot hold U+0000).
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

MAX_DEPTH: Final = 32
INT_MIN: Final = -(2**63)
INT_MAX: Final = 2**63 - 1


def _field(path: str, key: str) -> str:
    """``payload.total_equity``; a key that is empty or holds ``.[]"`` is quoted: ``x["a.b"]``."""
    if key and not any(c in key for c in '.[]"'):
        return key if path == "$" else f"{path}.{key}"
    return f"{'' if path == '$' else path}[{json.dumps(key)}]"


def _string_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains NUL (U+0000), which cannot be stored"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone surrogate (not valid Unicode text)"
    return None


def _fine(value: Any, depth: int) -> bool:
    """The rules without paths, for the common case (every event is checked): plain
    loops, the paths only built by ``_find`` once something is wrong."""
    kind = type(value)
    if kind is dict:
        return depth <= MAX_DEPTH and _fine_items(value, depth)
    if kind is str:
        return "\x00" not in value and (value.isascii() or _string_problem(value) is None)
    if kind is float:
        return bool(value - value == 0.0)  # False for NaN and the infinities
    if kind is int:
        return bool(INT_MIN <= value <= INT_MAX)
    if kind is list:
        return depth <= MAX_DEPTH and all(_fine(item, depth + 1) for item in value)
    return value is None or kind is bool


def _fine_items(obj: dict[Any, Any], depth: int) -> bool:
    """An object's keys and values; the scalars inline (most values are), the rest by
    ``_fine``."""
    inner = depth + 1
    for key, item in obj.items():
        if type(key) is not str or "\x00" in key or not (key.isascii() or _fine(key, depth)):
            return False
        kind = type(item)
        if kind is float:
            if item - item != 0.0:
                return False
        elif kind is str:
            if "\x00" in item or not (item.isascii() or _string_problem(item) is None):
                return False
        elif kind is int:
            if not INT_MIN <= item <= INT_MAX:
                return False
        elif not (item is None or kind is bool) and not _fine(item, inner):
            return False
    return True


def shape_problem(obj: Any) -> tuple[str, str] | None:
    """``(path, reason)`` of the first value that breaks the rules above, else ``None``.

    Paths read like the codec's: ``payload.total_equity``, ``payload.tags[2]``,
    ``payload["odd.key"]``; ``$`` is the envelope itself.
    """
    if _fine(obj, 1):
        return None
    return _find(obj)


def _find(obj: Any) -> tuple[str, str] | None:
    stack: list[tuple[Any, str, int]] = [(obj, "$", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                return path, f"nested deeper than {MAX_DEPTH} levels"
            for key, item in value.items():
                if not isinstance(key, str):
                    return path, "object keys must be strings"
                problem = _string_problem(key)
                if problem is not None:
                    return path, f"a key {problem}"
                stack.append((item, _field(path, key), depth + 1))
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                return path, f"nested deeper than {MAX_DEPTH} levels"
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            problem = _string_problem(value)
            if problem is not None:
                return path, problem
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not INT_MIN <= value <= INT_MAX:
                return path, "integer outside the signed 64-bit range"
        elif isinstance(value, float) and not math.isfinite(value):
            return path, "must be finite (NaN and Infinity are not allowed)"
    return None
