"""Fuzz of the event envelope as the bus and the HTTP path read it (hypothesis).

Random JSON-ish envelopes (huge integers, deep nesting, odd timestamps and offsets,
every kind of Unicode, NaN, wrong types, junk fields) go through the bus validator
(seed envelope -> SPEC §2 envelope -> ``parse_event``) and the HTTP path (JSON text
-> ``parse_event``). Each is either

* accepted: the envelope survives the store's JSON encoding exactly and parses to the
  same event, and deciding it (also after a snapshot) raises nothing but
  ``InvalidEvent`` and leaves a state and decisions that encode exactly too; or
* rejected with a clear error: ``InvalidEvent`` with a field path and a reason (or,
  for a bus message that is no event at all, a ``ValueError`` saying why).

Nothing else may be raised. ``FEDERATION_FUZZ_EXAMPLES`` sets the number of examples
per test (default 1,500; ``FEDERATION_FUZZ_EXAMPLES=10000`` for a long run);
``--hypothesis-show-statistics`` shows how many were accepted and rejected.
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import datetime

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import event as tally
from hypothesis import strategies as st

from federation_ai.bus.contract import BusMessage
from federation_ai.core import CoreConfig, FederationState, InvalidEvent, parse_event, step
from federation_ai.core.micros import MAX_TS, MIN_TS, format_timestamp
from federation_ai.service.consumer_loop import validate
from federation_ai.store.engine import _json_dumps as store_encode

EXAMPLES = int(os.environ.get("FEDERATION_FUZZ_EXAMPLES", "1500"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CFG = CoreConfig()
ENVELOPE_FIELDS = {"$", "event_type", "event_id", "account_id", "timestamp", "payload", "trace_id"}

EVENT_TYPES = [
    "portfolio.snapshot_updated",
    "system.health_updated",
    "model.performance_updated",
    "trade.closed",
    "operator.command",
]
EDGE_INTS = [0, 1, -1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**30, 10**400]
EDGE_FLOATS = [0.0, -0.0, 1e-300, 5e-324, 1e308, 1.7976931348623157e308, -1e308, math.nan, math.inf, -math.inf]
EDGE_TEXT = ["", " ", "\x00", "a\x00b", "\ud800", "\udfff x", "\u202e", "\ufeff", "😀", "Grüße", "\n\t\r"]
EDGE_TIMES = [
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "1970-01-01T00:00:00+00:01",
    "1969-12-31T23:59:59.999999Z",
    "2024-02-29T12:00:00+14:00",
    "2024-02-30T12:00:00Z",
    "2024-03-01T12:00:00",
    "2024-03-01 12:00:00Z",
    "2024-03-01T12:00:00.123456789Z",
    "2024-03-01T24:00:00Z",
    "2024-03-01t12:00:00z",
    "+2024-03-01T12:00:00Z",
    "2024-W09-5T12:00:00Z",
    "20240301T120000Z",
]

text = st.one_of(st.text(st.characters(codec=None), max_size=8), st.sampled_from(EDGE_TEXT))
integers = st.one_of(st.sampled_from(EDGE_INTS), st.integers(-(2**70), 2**70))
floats = st.one_of(st.floats(), st.sampled_from(EDGE_FLOATS))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), integers, floats, text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)),
    max_leaves=6,
)
ids = st.one_of(st.integers(0, 10**6).map("e-{}".format), st.integers(0, 10**6))


def deepen(value, levels: int, as_list: bool):
    for _ in range(levels):
        value = [value] if as_list else {"n": value}
    return value


hostile = st.one_of(
    st.sampled_from(EDGE_INTS + EDGE_FLOATS + EDGE_TEXT + EDGE_TIMES),
    json_values,
    st.builds(deepen, st.just(1), st.sampled_from([29, 30, 31, 32, 60, 254]), st.booleans()),
)


@st.composite
def timestamps(draw):
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(EDGE_TIMES))
    if kind == 1:
        return draw(hostile)
    if kind <= 5:
        moment = draw(st.datetimes(datetime(1970, 1, 2)))
        hours, minutes = draw(st.integers(-23, 23)), draw(st.integers(0, 59))
        sign = "-" if hours < 0 else "+"
        return moment.isoformat() + draw(st.sampled_from(["Z", f"{sign}{abs(hours):02d}:{minutes:02d}"]))
    return format_timestamp(draw(st.integers(MIN_TS, MAX_TS)))


money = st.one_of(st.floats(0.01, 1e9), st.integers(1, 10**9))
PAYLOADS = {
    "portfolio.snapshot_updated": st.fixed_dictionaries(
        {"total_equity": money},
        optional={"cash_balance": money, "total_exposure_usd": money, "num_positions": st.integers(0, 50),
                  "unrealized_pnl": st.floats(-1e6, 1e6), "reserve_balance": money,
                  "net_flow": st.floats(-1e6, 1e6)},
    ),
    "system.health_updated": st.fixed_dictionaries(
        {"overall_status": st.sampled_from(["OPTIMAL", "HEALTHY", "DEGRADED", "CRITICAL"])},
        optional={"ess_state": st.sampled_from(["NOMINAL", "CAUTION", "WARNING", "CRITICAL"]),
                  "subsystem_scores": st.dictionaries(text, st.floats(0, 1), max_size=2),
                  "active_alerts": st.lists(text, max_size=2)},
    ),
    "model.performance_updated": st.fixed_dictionaries(
        {"model_name": st.sampled_from(["xgboost", "lightgbm", "nhits"]) | text,
         "sharpe_ratio_7d": st.floats(-5, 5), "win_rate_7d": st.floats(0, 1)},
        optional={"total_trades": st.integers(0, 10**4), "days_since_training": st.floats(0, 400),
                  "last_trained_at": timestamps()},
    ),
    "trade.closed": st.fixed_dictionaries(
        {"symbol": st.sampled_from(["BTCUSDT", "ETHUSDT"]) | text, "pnl_usd": st.floats(-1e5, 1e5)},
        optional={"model_name": text, "exit_reason": text},
    ),
    "operator.command": st.one_of(
        st.fixed_dictionaries({"command": st.just("set_mode"), "mode": st.sampled_from(["LIVE", "SHADOW", "PAUSED"])},
                              optional={"duration_minutes": st.floats(0.1, 600_000), "force": st.booleans()}),
        st.fixed_dictionaries({"command": st.just("set_risk"), "max_leverage": st.floats(0.1, 10)},
                              optional={"duration_minutes": st.integers(1, 600_000)}),
        st.fixed_dictionaries({"command": st.sampled_from(["enable_role", "disable_role"]),
                               "role": st.sampled_from(["cro", "ceo", "cio", "cfo", "researcher", "supervisor"])}),
        st.fixed_dictionaries({"command": st.just("reset_peak")}),
        st.fixed_dictionaries({"command": st.just("reanchor_clock")}, optional={"clock_at": timestamps()}),
    ).map(lambda p: {"key_name": "ops", "scopes": ["operator", "admin"], "reason": "fuzz", **p}),
}


def _mutate(draw, envelope):
    """Replace, add or delete one field, at the top or in the payload."""
    target = envelope
    if isinstance(envelope.get("payload"), dict) and draw(st.booleans()):
        target = envelope["payload"]
    action = draw(st.integers(0, 2))
    if action == 0 and target:
        target[draw(st.sampled_from(sorted(target)))] = draw(hostile)
    elif action == 1:
        target[draw(text | st.sampled_from(["trace_id", "extra", "event_id"]))] = draw(hostile)
    elif target:
        del target[draw(st.sampled_from(sorted(target)))]


@st.composite
def envelopes(draw):
    """Valid envelopes, more than half of them then broken in one to three places."""
    event_type = draw(st.sampled_from(EVENT_TYPES))
    envelope = {
        "event_type": event_type,
        "event_id": draw(ids),
        "timestamp": draw(timestamps()),
        "payload": dict(draw(PAYLOADS[event_type])),
    }
    if draw(st.booleans()):
        envelope["account_id"] = draw(st.sampled_from(["default", "acc-1"]) | text)
    if draw(st.booleans()):
        envelope["trace_id"] = draw(ids)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        _mutate(draw, envelope)
    return envelope


def stored(value):
    """What the store reads back: its own JSON encoder, then a JSON reader."""
    encoded = store_encode(value)
    assert "\\u0000" not in encoded  # PostgreSQL cannot hold NUL in text or JSONB
    return orjson.loads(encoded)


def seeded_state() -> FederationState:
    state = FederationState()
    for n, equity in enumerate((10_000.0, 9_500.0)):
        step(state, parse_event({"event_type": "portfolio.snapshot_updated", "event_id": f"seed-{n}",
                                 "timestamp": f"1970-01-01T00:0{n}:00Z",
                                 "payload": {"total_equity": equity}}), CFG)
    return state


def check_accepted(envelope, event) -> None:
    assert MIN_TS <= event.ts <= MAX_TS
    back = stored(event.envelope())
    assert back == envelope
    assert parse_event(back) == event
    for state in (FederationState(), seeded_state()):
        try:
            result = step(state, event, CFG)
        except InvalidEvent as exc:
            check_rejected(exc)
            continue
        for acct in state.accounts.values():
            as_json = acct.to_json()
            assert stored(as_json) == as_json
        for decision in result.decisions:
            as_dict = decision.to_dict()
            assert stored(as_dict) == as_dict
            json.dumps(as_dict, allow_nan=False)  # as published on the bus


def check_rejected(exc: Exception, where: str = "") -> None:
    assert str(exc)
    if isinstance(exc, InvalidEvent):
        assert isinstance(exc.path, str) and exc.path
        assert isinstance(exc.reason, str) and exc.reason
        if where:
            top = re.split(r"[.[]", exc.path)[0]
            field = top if top in ENVELOPE_FIELDS else "another field"
            tally(f"{where} rejected at {field}")
    elif where:
        tally(f"{where} rejected: not an event ({str(exc).split(':')[0]})")


@FUZZ
@given(envelopes())
def test_http_envelopes_are_accepted_exactly_or_rejected_clearly(envelope):
    """The HTTP path: the body as JSON text (NaN as a literal, as JSON readers allow)."""
    try:
        body = json.loads(json.dumps(envelope))
    except ValueError:  # an integer too long for JSON text: the body parser answers 4xx
        tally("http unreadable")
        return
    try:
        event = parse_event(body)
    except InvalidEvent as exc:
        check_rejected(exc, "http")
        return
    tally("http accepted")
    check_accepted(body, event)


@FUZZ
@given(envelopes(), st.booleans(), st.sampled_from(range(20)))
def test_bus_messages_are_accepted_exactly_or_rejected_clearly(envelope, fields_outside, deep):
    """The bus path: the seed envelope, the payload as JSON text (the ids inside it)."""
    payload = envelope.get("payload")
    if isinstance(payload, dict) and not fields_outside:
        payload = {**payload, "event_id": envelope.get("event_id"), "account_id": envelope.get("account_id")}
    try:
        text = json.dumps(payload)
    except ValueError:
        text = "[" * 40 + "1" + "]" * 40
    if deep == 7:  # one in twenty: deeper than any JSON reader's recursion limit
        text = '{"x":' + "[" * 5_000 + "]" * 5_000 + "}"
    fields = {"payload": text, "source": "fuzz"}
    if isinstance(envelope.get("timestamp"), str):
        fields["timestamp"] = envelope["timestamp"]
    if fields_outside:
        for name in ("event_id", "account_id"):
            if isinstance(envelope.get(name), str):
                fields[name] = envelope[name]
    event_type = envelope.get("event_type")
    stream = event_type if isinstance(event_type, str) else "trade.closed"
    message = BusMessage(stream, "1900000000000-0", fields, 1)
    try:
        event = validate(message)
    except ValueError as exc:  # InvalidEvent is one
        check_rejected(exc, "bus")
        return
    tally("bus accepted")
    check_accepted(dict(event.raw), event)
