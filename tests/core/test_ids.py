"""One rule for ids (account_id, event_id) and one for names (model_name, symbol, key_name)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation_ai.core import InvalidEvent, parse_event
from federation_ai.core.ids import (
    ID_CHARACTERS,
    ID_PATTERN,
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    id_problem,
)

from .envelopes import assert_refused
from .envelopes import envelope as snapshot


def model(name):
    return snapshot(
        event_type="model.performance_updated",
        payload={"model_name": name, "sharpe_ratio_7d": 1.0, "win_rate_7d": 0.5},
    )


def trade(**payload):
    return snapshot(event_type="trade.closed", payload={"symbol": "BTCUSDT", "pnl_usd": 1.0, **payload})


def operator(key_name):
    return snapshot(
        event_type="operator.command",
        payload={"command": "reset_peak", "key_name": key_name, "scopes": ["admin"]},
    )


@pytest.mark.parametrize(
    ("event", "path", "reason"),
    [
        (snapshot(event_id=12345), "event_id", 'ids are text: send "12345"'),
        (snapshot(event_id=1.5), "event_id", "must be a string"),
        (snapshot(event_id=True), "event_id", "must be a string"),
        (snapshot(event_id=None), "event_id", "is required"),
        (snapshot(event_id="x" * (MAX_ID_LENGTH + 1)), "event_id", "at most 128 characters"),
        (snapshot(event_id="e 1"), "event_id", "U+0020 at position 1"),
        (snapshot(event_id="e1\n"), "event_id", "U+000A"),
        (snapshot(account_id=12345), "account_id", "must be a string"),
        (snapshot(account_id=""), "account_id", "non-empty"),
        (snapshot(account_id="a" * 10_000), "account_id", "got 10000"),
        (snapshot(account_id="acct\x00"), "account_id", "U+0000"),
        (snapshot(account_id="acct\u202egnp.exe"), "account_id", "U+202E"),  # bidi override
        (snapshot(account_id="acct\u200b"), "account_id", "U+200B"),  # zero-width space
        (snapshot(account_id="аcct"), "account_id", "U+0430 at position 0"),  # Cyrillic a
        (snapshot(account_id="a/b"), "account_id", "U+002F"),
        (model("m" * (MAX_NAME_LENGTH + 1)), "payload.model_name", "at most 128"),
        (model("m" * 60_000), "payload.model_name", "got 60000"),
        (model("xgb\u202e"), "payload.model_name", "printable"),
        (model("xgb\x07"), "payload.model_name", "U+0007"),
        (model("   "), "payload.model_name", "non-empty"),
        (trade(symbol="BTC\nUSDT"), "payload.symbol", "printable"),
        (trade(symbol="B" * 129), "payload.symbol", "at most 128"),
        (trade(model_name="m\u2028"), "payload.model_name", "printable"),
        (operator("alice\nadmin active"), "payload.key_name", "printable"),
    ],
)
def test_bad_ids_and_names_are_refused_with_the_field_path(event, path, reason):
    assert_refused(event, path, reason)


@pytest.mark.parametrize(
    "event",
    [
        snapshot(event_id="12345"),
        snapshot(event_id="x" * MAX_ID_LENGTH, account_id="y" * MAX_ID_LENGTH),
        snapshot(event_id="op-2f1c0a9e-6d3b-4c55-9d1e-0b5a2c7e8f10", account_id="fund-b"),
        snapshot(event_id="1700000000000-0", account_id="desk.eu:alice@prod_2"),
        model("PatchTST v2 (7d) — ß"),
        trade(symbol="BTC/USDT", model_name="m" * MAX_NAME_LENGTH),
        operator("ops alice"),
    ],
)
def test_valid_ids_and_names_pass(event):
    parse_event(event)


def test_a_number_and_its_string_are_not_the_same_id():
    assert parse_event(snapshot(event_id="12345")).event_id == "12345"
    with pytest.raises(InvalidEvent):
        parse_event(snapshot(event_id=12345))


@given(st.text(alphabet=sorted(ID_CHARACTERS), min_size=1, max_size=MAX_ID_LENGTH))
def test_every_id_of_allowed_characters_passes_core_and_api_alike(value):
    assert id_problem(value) is None
    assert re.match(ID_PATTERN, value)
    assert parse_event(snapshot(event_id=value, account_id=value)).account_id == value


@given(st.text(min_size=1, max_size=MAX_ID_LENGTH + 20))
def test_core_and_api_pattern_agree_on_any_text(value):
    accepted = id_problem(value) is None
    assert accepted == bool(re.fullmatch(ID_PATTERN.strip("^$"), value))
    if not accepted:
        with pytest.raises(InvalidEvent):
            parse_event(snapshot(account_id=value))
