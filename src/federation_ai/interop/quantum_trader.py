"""The ``quantum_trader`` profile: the backend's stream entries -> the seed's envelope.

A pure function of the raw entry fields, driven by the tables below; it runs before
the normal envelope validation, so everything it produces is checked like any other
message. A message it cannot map raises ``ValueError`` naming the field and the reason
(the consumer dead-letters it); nothing is guessed. See docs/interop.md.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

from federation_ai.bus.contract import BusMessage
from federation_ai.core.vocabulary import HEALTH, SNAPSHOT, TRADE

if TYPE_CHECKING:
    from federation_ai.interop.interop_settings import InteropConfig

ESS_CHANGED = "ess.state.changed"
ESS_TRIPPED = "ess.tripped"
# The backend's streams the profile reads besides the seed's input streams.
EXTRA_STREAMS: tuple[str, ...] = (ESS_CHANGED, ESS_TRIPPED)
# stream -> the event type its entries become
STREAM_EVENT_TYPES: dict[str, str] = {
    SNAPSHOT: SNAPSHOT,
    TRADE: TRADE,
    ESS_CHANGED: HEALTH,
    ESS_TRIPPED: HEALTH,
}
# Event id of an entry whose payload has none: prefix + entry id. Entry ids are per
# stream, so entries of two streams written in the same millisecond share one; the
# prefix keeps their event ids apart. Snapshots keep the bare entry id (as without
# the profile, so the portfolio bootstrap and the bus agree on it).
EVENT_ID_PREFIXES: dict[str, str] = {
    SNAPSHOT: "",
    TRADE: "trade-",
    ESS_CHANGED: "ess-",
    ESS_TRIPPED: "ess-tripped-",
}
# Fields of the backend's envelope (RedisStreamBus.publish) that are not payload.
ENVELOPE_FIELDS: tuple[str, ...] = (
    "event_type",
    "payload",
    "trace_id",
    "correlation_id",
    "timestamp",
    "source",
)
TRACE_FIELDS: tuple[str, ...] = ("trace_id", "correlation_id", "source")
# A flat trade.closed entry: backend field -> our payload field.
TRADE_RENAMES: dict[str, str] = {
    "symbol": "symbol",
    "model_id": "model_name",
    "reason": "exit_reason",
}
# Where a flat trade's signed P&L comes from, in order: (field, our payload name).
# The core uses only the sign (win, loss or neither); pnl_percent is unit-less to it.
TRADE_PNL_SOURCES: tuple[tuple[str, str], ...] = (("pnl_usd", "pnl_usd"), ("pnl_percent", "pnl"))
# ESS: where an entry's backend state is (a payload field, or fixed by the stream).
ESS_STATE_FIELDS: dict[str, str] = {ESS_CHANGED: "new_state"}
ESS_STREAM_STATES: dict[str, str] = {ESS_TRIPPED: "TRIPPED"}
PRODUCER = "producer"  # our payload field holding the producer's own fields, as sent

_NAIVE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?")


def utc_time(value: str, cfg: InteropConfig) -> str:
    """``value`` with ``Z`` appended if it is an RFC 3339 time without a zone (and the
    profile reads those as UTC); anything else unchanged, for the validator to judge."""
    if cfg.naive_timestamps_utc and _NAIVE.fullmatch(value):
        return value + "Z"
    return value


def _number(fields: dict[str, str], name: str) -> float | None:
    raw = fields.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {raw!r}")
    return value


def _payload(fields: dict[str, str], stream: str) -> dict[str, Any]:
    raw = fields.get("payload")
    if raw is None:
        raise ValueError(f"{stream} message has no 'payload' field")
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"payload is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise ValueError(f"payload must be a JSON object, got {type(payload).__name__}")  # noqa: TRY004 - bad input
    return payload


def flat_trade(fields: dict[str, str], cfg: InteropConfig) -> dict[str, Any]:
    """Our trade.closed payload from the backend's flat string fields."""
    out: dict[str, Any] = {}
    for theirs, ours in TRADE_RENAMES.items():
        if fields.get(theirs):
            out[ours] = fields[theirs]
    pnl = {name: _number(fields, name) for name, _ in TRADE_PNL_SOURCES}
    for name, ours in TRADE_PNL_SOURCES:
        value = pnl[name]
        if value is None:
            continue
        others = [v for n, v in pnl.items() if n != name and v]
        if value == 0 and cfg.zero_pnl_usd_uses_percent and others:
            continue  # a placeholder 0 beside a real figure of the same trade
        out[ours] = value
        break
    out[PRODUCER] = {k: v for k, v in fields.items() if k not in ENVELOPE_FIELDS}
    return out


def ess_health(stream: str, payload: dict[str, Any], cfg: InteropConfig) -> dict[str, Any]:
    """A health payload carrying only ``ess_state`` (and the producer's payload)."""
    if stream in ESS_STREAM_STATES:
        state: Any = ESS_STREAM_STATES[stream]
    else:
        name = ESS_STATE_FIELDS[stream]
        if name not in payload:
            raise ValueError(f"payload.{name}: is required")
        state = payload[name]
    if not isinstance(state, str) or state not in cfg.ess_states:
        known = ", ".join(sorted(cfg.ess_states))
        raise ValueError(
            f"{stream}: ESS state {state!r} is not in interop.ess_states (known: {known})"
        )
    return {"ess_state": cfg.ess_states[state], PRODUCER: payload}


def translate(msg: BusMessage, cfg: InteropConfig) -> BusMessage:
    """The message as the seed's envelope (``payload`` JSON, ids, account, UTC time).

    Streams the profile does not know, and messages already carrying an ``event_id``
    and ``account_id`` in a seed payload, pass with only the timestamp normalised.
    """
    stream, fields = msg.event_type, msg.fields
    target = STREAM_EVENT_TYPES.get(stream)
    if target is None:
        return msg
    declared = fields.get("event_type")
    if declared not in (None, "", stream):
        raise ValueError(
            f"event_type field {declared!r} does not match stream event type {stream!r}"
        )
    if stream == TRADE and "payload" not in fields:
        payload = flat_trade(fields, cfg)
    elif stream in ESS_STATE_FIELDS or stream in ESS_STREAM_STATES:
        payload = ess_health(stream, _payload(fields, stream), cfg)
    else:
        payload = _payload(fields, stream)
    out: dict[str, str] = {
        "event_type": target,
        # fallbacks: an event_id / account_id in the payload wins (bus/envelope.py)
        "event_id": EVENT_ID_PREFIXES[stream] + msg.message_id,
        "account_id": cfg.default_account,
        "payload": json.dumps(payload, separators=(",", ":"), allow_nan=True),
    }
    if fields.get("timestamp"):
        out["timestamp"] = utc_time(fields["timestamp"], cfg)
    for name in TRACE_FIELDS:
        if fields.get(name):
            out[name] = fields[name]
    return BusMessage(target, msg.message_id, out, msg.deliveries)
