"""``json_loads.loads`` gives exactly what ``json.loads`` gives: values, key order, types
and errors (the fast path must never let through what the stdlib reads differently)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation_ai.json_loads import MAX_FAST_OPENERS, _has_long_digits, loads


def outcome(parse: Any, text: str | bytes) -> tuple[str, ...]:
    try:
        value = parse(text)
    except (ValueError, RecursionError) as exc:
        return ("error", type(exc).__name__, str(exc))
    # dumps tells 1 from 1.0 and true, keeps key order, writes NaN and Infinity
    return ("value", json.dumps(value))


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | st.text()
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=25
)


@given(VALUES)
def test_every_value_the_stdlib_writes_reads_back_the_same(value: Any) -> None:
    text = json.dumps(value)
    assert outcome(loads, text) == outcome(json.loads, text)
    data = text.encode()
    assert outcome(loads, data) == outcome(json.loads, data)


@given(st.text(alphabet='{}[]":,0123456789.eE+-truefalsnNIiy \\u', max_size=40))
def test_arbitrary_text_gives_the_same_value_or_the_same_error(text: str) -> None:
    assert outcome(loads, text) == outcome(json.loads, text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 18446744073709551616}',  # beyond 64 bits: orjson would give a float
        '{"a": -9223372036854775809}',
        '{"a": 9223372036854775807, "b": 12345678901234567890123}',
        '{"a": NaN, "b": Infinity, "c": -Infinity}',
        '{"a": 1e400}',
        '{"a": "\\ud800"}',  # a lone surrogate
        '{"a": "\ud800", "b": 1}',  # one as a character of the text, not an escape
        '{"a": "' + "7" * 25 + '"}',  # a run of digits in a string: the stdlib, same value
        '{"a": "' + "\u0661" * 25 + '", "b": 1234567890123456789}',  # other digits; 19
        '{"a": 1, "b": 2, "a": 3}',  # a repeated key: the last value, the first place
        "[" * 990 + "]" * 990,  # near the stdlib's recursion limit
        "[" * (MAX_FAST_OPENERS + 1) + "]" * (MAX_FAST_OPENERS + 1),
        "[" * 5000 + "]" * 5000,
        '{"a": 1}x',
        "",
    ],
)
def test_the_texts_the_fast_path_must_leave_to_the_stdlib(text: str) -> None:
    assert outcome(loads, text) == outcome(json.loads, text)


DIGIT_RUNS = st.text(alphabet="0123456789", min_size=15, max_size=22)
OTHERS = st.sampled_from(["x", ".", " ", "é", "\u0661\u0662", "\ud800"])


@given(st.lists(DIGIT_RUNS | OTHERS, max_size=6).map("".join))
def test_the_digit_run_check_finds_what_a_regular_expression_finds(text: str) -> None:
    expected = re.search(r"[0-9]{19}", text) is not None
    assert _has_long_digits(text.encode("utf-8", "surrogatepass")) is expected
