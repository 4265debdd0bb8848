"""Shared helpers: a clean in-process replay, seed-envelope encoding, bus faults, waiting."""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

from federation_ai.bus import InMemoryBus
from federation_ai.core import FederationState, parse_event, step
from federation_ai.core.core_config import CoreConfig
from federation_ai.core.micros import format_timestamp, parse_timestamp
from federation_ai.service.demo import DemoFeed


def clean_replay(events: list[dict[str, Any]], config: CoreConfig | None = None) -> list[dict[str, Any]]:
    """Every decision ``step`` makes over ``events`` in order, from a fresh state."""
    cfg = config or CoreConfig()
    state = FederationState()
    out: list[dict[str, Any]] = []
    for envelope in events:
        out.extend(d.to_dict() for d in step(state, parse_event(envelope), cfg).decisions)
    return out


def seed_fields(envelope: dict[str, Any], source: str = "test-producer") -> dict[str, str]:
    """The seed's stream envelope: event_id/account_id travel inside the payload."""
    payload = dict(envelope["payload"])
    payload["event_id"] = envelope["event_id"]
    if envelope.get("account_id"):
        payload["account_id"] = envelope["account_id"]
    return {
        "event_type": envelope["event_type"],
        "payload": json.dumps(payload),
        "trace_id": f"trace-{envelope['event_id']}",
        "correlation_id": envelope["event_id"],
        "timestamp": envelope["timestamp"],
        "source": source,
    }


def comparable(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decisions as they read back from any store: through JSON, timestamps normalised."""
    out = []
    for d in decisions:
        copy = json.loads(json.dumps(d))
        copy["timestamp"] = format_timestamp(parse_timestamp(copy["timestamp"]))
        out.append(copy)
    return out


class SwitchableBus(InMemoryBus):
    """An in-memory bus whose every call can be made to fail, as if Redis were gone."""

    down = False

    def _check(self) -> None:
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    async def fetch(self, *args, **kw):
        self._check()
        return await super().fetch(*args, **kw)

    async def publish_decisions(self, decisions):
        self._check()
        return await super().publish_decisions(decisions)

    async def lag(self):
        self._check()
        return await super().lag()

    async def pending_count(self):
        self._check()
        return await super().pending_count()

    async def ping(self):
        self._check()


REFUSED = "Error 111 connecting to 127.0.0.1:6379. Connection refused."


class BusFaults:
    """The service's bus port in front of any real bus, with faults switched by hand.

    A method named in ``failing`` raises as a bus that is gone would; one named in
    ``dropping`` does nothing (an ack that never reached the bus: the process died).
    What rides along a ``fetch`` (acks, decisions to publish) is treated alike: the
    acks are dropped, and a read that would publish fails. ``refused`` counts the
    calls that failed, so a test can wait for the service to have tried."""

    def __init__(self, bus: Any) -> None:
        self.bus = bus
        self.failing: set[str] = set()
        self.dropping: set[str] = set()
        self.refused: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.bus, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        async def call(*args: Any, **kw: Any) -> Any:
            if name in ("fetch", "publish_and_fetch"):
                if "ack" in self.dropping:
                    kw["ack"] = ()
                decisions = args[0] if name == "publish_and_fetch" and args else kw.get(
                    "decisions", ()
                )
                if "publish_decisions" in self.failing and decisions:
                    self.refused[name] = self.refused.get(name, 0) + 1
                    raise ConnectionError(REFUSED)
            if name in self.failing:
                self.refused[name] = self.refused.get(name, 0) + 1
                raise ConnectionError(REFUSED)
            if name in self.dropping:
                return None
            return await attr(*args, **kw)

        return call


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], what: str = "", timeout: float = 20.0
) -> None:
    """Wait until ``check()`` (plain or awaitable) holds; ``timeout`` bounds a loaded
    machine and is never a timing claim. Fails naming ``what`` if it never does."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                held = check()
                if inspect.isawaitable(held):
                    held = await held
                if held:
                    return
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"never: {what or check}") from None


def ids(decisions: list[dict[str, Any]]) -> list[str]:
    return [d["decision_id"] for d in decisions]


def applied_ids(events: list[dict[str, Any]]) -> list[str]:
    """The decisions a clean run publishes, in commit order."""
    return [d["decision_id"] for d in clean_replay(events) if d["status"] == "applied"]


START_US = 1_717_200_000_000_000  # 2024-06-01T00:00:00Z


def demo_events(
    accounts: Sequence[str], per_account: int, *, seed: int, digits: int = 5, total: int | None = None
) -> list[dict[str, Any]]:
    """Several accounts of the demo feed (seeds ``seed``, ``seed + 1``, ...), at least
    ``per_account`` events each, merged by time: a realistic mix of every input."""
    items = []
    for n, account in enumerate(accounts):
        feed, count = DemoFeed(START_US, seed=seed + n, account_id=account), 0
        while count < per_account:
            for event_type, payload, ts in feed.next_tick():
                items.append((ts, account, count, event_type, payload))
                count += 1
    items.sort()
    return [
        {"event_type": et, "event_id": f"{acct}-{i:0{digits}d}", "account_id": acct,
         "timestamp": format_timestamp(ts), "payload": payload}
        for ts, acct, i, et, payload in items[:total]
    ]
