"""``json.loads``, faster for the text every event arrives as, with the same result.

orjson parses in a fraction of the stdlib's time and agrees with it on every text it
accepts but three kinds, which go to ``json.loads`` instead, so a caller sees exactly
what the stdlib gives (values, key order, the error and its message):

* integers beyond 64 bits, which orjson turns into floats: any run of 19 or more digits;
* nesting near the stdlib's recursion limit, where one would refuse and the other not:
  more than ``MAX_FAST_OPENERS`` brackets and braces in all;
* what orjson refuses (NaN, Infinity, 1e400, lone surrogates, anything invalid).
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import orjson

MAX_FAST_OPENERS: Final = 256
_LONG_DIGITS: Final = re.compile(r"[0-9]{19}")
_LONG_DIGITS_BYTES: Final = re.compile(rb"[0-9]{19}")


def loads(text: str | bytes) -> Any:
    """The value of a JSON text, exactly as ``json.loads`` returns it (or raises)."""
    if isinstance(text, bytes):
        fast = not _LONG_DIGITS_BYTES.search(text)
        openers = text.count(b"[") + text.count(b"{")
    else:
        fast = not _LONG_DIGITS.search(text)
        openers = text.count("[") + text.count("{")
    if fast and openers <= MAX_FAST_OPENERS:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
