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
from typing import Any, Final

import orjson

MAX_FAST_OPENERS: Final = 256
# Every ASCII digit read as "0": a run of 19 digits is then 19 zeros, found by a substring
# search in C (a regular expression tries a match at every position: four times slower).
# UTF-8 never encodes anything else with ASCII bytes, so no other character can match.
_DIGITS_AS_ZERO: Final = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS: Final = b"0" * 19


def _has_long_digits(data: bytes) -> bool:
    return _LONG_DIGITS in data.translate(_DIGITS_AS_ZERO)


def loads(text: str | bytes) -> Any:
    """The value of a JSON text, exactly as ``json.loads`` returns it (or raises)."""
    if isinstance(text, bytes):
        fast = not _has_long_digits(text)
        openers = text.count(b"[") + text.count(b"{")
    else:
        fast = not _has_long_digits(text.encode("utf-8", "surrogatepass"))
        openers = text.count("[") + text.count("{")
    if fast and openers <= MAX_FAST_OPENERS:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
