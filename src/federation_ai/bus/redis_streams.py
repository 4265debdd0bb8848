"""Redis Streams event bus (SPEC §9), compatible with the seed's stream envelope.

Each input stream has its own consumer group (``quantum:group:federation-ai:<type>``).
XREADGROUP names one group per call, so the non-blocking reads of all streams go
out as one server-side script (atomic, one command to encode and one reply to
parse), which also notes each stream's last id; when all come back empty, one
``XREAD BLOCK`` over all streams from those ids waits for the next entry, so
nothing written in between is missed. Scripts are sent by SHA; a Redis that lost
its script cache answers NOSCRIPT and gets the script once.
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Any, Unpack, cast

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError

from federation_ai.bus._consumer import ConsumerCore
from federation_ai.bus.contract import INPUT_EVENT_TYPES, BusMessage, group_name
from federation_ai.bus.redis_replies import Raw, entries, flat_entries, read_reply, text
from federation_ai.bus.redis_scripts import PUBLISH_ONCE, PUBLISH_SHA, READ_ALL, READ_ALL_SHA

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from redis.typing import EncodableT, KeyT, StreamIdT

    from federation_ai.bus.backend import Batches, StreamOptions

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_SOCKET_TIMEOUT_S = 5.0
DEFAULT_CONNECT_TIMEOUT_S = 2.0


def connect(
    url: str,
    *,
    socket_timeout_s: float | None = DEFAULT_SOCKET_TIMEOUT_S,
    connect_timeout_s: float | None = DEFAULT_CONNECT_TIMEOUT_S,
    decode_responses: bool = True,
) -> Redis:
    """A client whose every command is bounded and tried once.

    A hung connection raises ``TimeoutError`` after ``socket_timeout_s``. The client
    does not retry by itself (its default would resend a read script up to ten times):
    the consumer retries, and after a failed read it first takes back what the read
    may have delivered (see ``ConsumerCore.fetch``).
    """
    return Redis.from_url(
        url,
        decode_responses=decode_responses,
        # a message that is not UTF-8 must reach the dead-letter stream, not make every
        # read fail: undecodable bytes become U+FFFD (the JSON check then refuses it)
        encoding_errors="replace",
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=connect_timeout_s,
        retry=Retry(NoBackoff(), 0),
    )


class RedisStreamsBus(ConsumerCore):
    """``EventBus`` over Redis Streams; ``client`` is a ``redis.asyncio.Redis`` or a URL."""

    def __init__(
        self,
        consumer: str,
        event_types: Iterable[str] = INPUT_EVENT_TYPES,
        *,
        client: Redis | str = DEFAULT_REDIS_URL,
        socket_timeout_s: float | None = DEFAULT_SOCKET_TIMEOUT_S,
        connect_timeout_s: float | None = DEFAULT_CONNECT_TIMEOUT_S,
        **options: Unpack[StreamOptions],
    ) -> None:
        super().__init__(consumer, event_types, **options)
        self._wait_from: dict[KeyT, StreamIdT] = {}
        self._owns_client = isinstance(client, str)
        self.redis: Redis = (
            connect(client, socket_timeout_s=socket_timeout_s, connect_timeout_s=connect_timeout_s)
            if isinstance(client, str)
            else client
        )

    async def start(self) -> None:
        for event_type in self.event_types:
            try:
                await self.redis.xgroup_create(
                    self._stream(event_type),
                    group_name(event_type),
                    id=self.group_start_id,
                    mkstream=True,
                )
            except Exception as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        self._reset_consumer_state()

    # --- primitives for ConsumerCore ---------------------------------------------

    async def _deliveries(self, event_type: str, ids: list[str]) -> dict[str, int]:
        key, group = self._stream(event_type), group_name(event_type)
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry_id in ids:
                pipe.xpending_range(key, group, min=entry_id, max=entry_id, count=1)
            replies = await pipe.execute()
        return {
            text(row["message_id"]): int(row["times_delivered"]) for rows in replies for row in rows
        }

    async def _messages(
        self, event_type: str, raw: Raw, deliveries: int | None
    ) -> list[BusMessage]:
        """Build messages (``deliveries`` None: ask XPENDING); ack trimmed entries."""
        gone = [entry_id for entry_id, fields in raw if not fields]
        if gone:
            await self.redis.xack(self._stream(event_type), group_name(event_type), *gone)
        live = [(entry_id, fields) for entry_id, fields in raw if fields]
        counts: dict[str, int] = {}
        if deliveries is None and live:
            counts = await self._deliveries(event_type, [entry_id for entry_id, _ in live])
        return [
            BusMessage(event_type, entry_id, fields, deliveries or counts.get(entry_id, 2))
            for entry_id, fields in live
        ]

    async def _read_new(
        self,
        event_types: list[str],
        count: int,
        acks: Batches,
        decisions: Sequence[Mapping[str, Any]] = (),
    ) -> tuple[Batches, int, int]:
        keys: list[EncodableT] = [self._stream(et) for et in event_types]
        args: list[EncodableT] = [len(keys), self.consumer, count]
        for et in event_types:
            done = [m.message_id for m in acks.get(et, ())]
            args.extend((group_name(et), self._last_seen.get(et, "0-0"), len(done), *done))
        if decisions:
            self._publish_args(decisions, keys, args)
        try:
            added, replies, now_ms = await self.redis.evalsha(
                READ_ALL_SHA, len(keys), *keys, *args
            )
        except NoScriptError:
            await self.redis.script_load(READ_ALL)
            added, replies, now_ms = await self.redis.evalsha(
                READ_ALL_SHA, len(keys), *keys, *args
            )
        # where a wait for the next entry starts: each stream's last id at this read
        self._wait_from = {
            self._stream(et): text(tail)
            for et, (_got, tail) in zip(event_types, replies, strict=True)
        }
        batches = {
            et: await self._messages(et, flat_entries(got), 1)
            for et, (got, _tail) in zip(event_types, replies, strict=True)
        }
        return batches, int(now_ms), int(added)

    async def _wait_new(self, block_ms: int) -> bool:
        if not self._wait_from:
            return False
        return bool(await self.redis.xread(self._wait_from, count=1, block=max(1, block_ms)))

    async def _read_own(self, cursors: dict[str, str], count: int) -> Batches:
        async with self.redis.pipeline(transaction=False) as pipe:
            for et, cursor in cursors.items():
                stream: dict[KeyT, StreamIdT] = {self._stream(et): cursor}
                pipe.xreadgroup(group_name(et), self.consumer, stream, count=count)
            replies = await pipe.execute()
        return {
            et: await self._messages(et, read_reply(reply), None)
            for et, reply in zip(cursors, replies, strict=True)
        }

    async def _claim(
        self, event_type: str, cursor: str, count: int
    ) -> tuple[str, list[BusMessage]]:
        reply = await self.redis.xautoclaim(
            self._stream(event_type),
            group_name(event_type),
            self.consumer,
            self.claim_idle_ms,
            start_id=cursor,
            count=count,
        )
        return text(reply[0]), await self._messages(event_type, entries(reply[1]), None)

    async def _refresh(self, event_type: str, ids: list[str]) -> None:
        await self.redis.xclaim(
            self._stream(event_type),
            group_name(event_type),
            self.consumer,
            min_idle_time=0,
            message_ids=cast("list[StreamIdT]", ids),
            justid=True,
        )

    # --- EventBus -------------------------------------------------------------------

    async def ack(self, messages: Sequence[BusMessage]) -> None:
        by_type: dict[str, list[str]] = {}
        for m in messages:
            by_type.setdefault(m.event_type, []).append(m.message_id)
        if not by_type:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for et, ids in by_type.items():
                pipe.xack(self._stream(et), group_name(et), *ids)
            await pipe.execute()

    async def dead_letter(self, message: BusMessage, reason: str) -> None:
        key, fields = self._dead_letter_entry(message, reason)
        et = message.event_type
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(key, fields, maxlen=self.dlq_maxlen)  # type: ignore[arg-type]
            pipe.xack(self._stream(et), group_name(et), message.message_id)
            await pipe.execute()

    def _publish_args(
        self, decisions: Sequence[Mapping[str, Any]], keys: list[EncodableT], args: list[EncodableT]
    ) -> None:
        """Append what ``PUBLISH_ONCE`` expects (also the tail of ``READ_ALL``)."""
        stream, marked = self._decision_entries(decisions)
        keys.append(stream)
        args.extend((self.dedup_ttl_ms, self.maxlen))
        for marker, fields in marked:
            keys.append(marker)
            args.append(2 * len(fields))
            args.extend(chain.from_iterable(fields.items()))

    async def publish_decisions(self, decisions: Sequence[Mapping[str, Any]]) -> int:
        if not decisions:
            return 0
        keys: list[EncodableT] = []
        args: list[EncodableT] = []
        self._publish_args(decisions, keys, args)
        # One EVALSHA for the whole batch; redis-py's Script objects would ask SCRIPT
        # EXISTS first every time. A Redis that lost its script cache answers NOSCRIPT:
        # load the script once and send again (nothing was written).
        try:
            added = await self.redis.evalsha(PUBLISH_SHA, len(keys), *keys, *args)
        except NoScriptError:
            await self.redis.script_load(PUBLISH_ONCE)
            added = await self.redis.evalsha(PUBLISH_SHA, len(keys), *keys, *args)
        return int(added)

    async def publish_event(self, event_type: str, fields: Mapping[str, str]) -> str:
        return text(await self.redis.xadd(self._stream(event_type), dict(fields)))  # type: ignore[arg-type]

    async def ping(self) -> None:
        await self.redis.ping()

    async def pending_count(self) -> int:
        async with self.redis.pipeline(transaction=False) as pipe:
            for et in self.event_types:
                pipe.xpending(self._stream(et), group_name(et))
            replies = await pipe.execute(raise_on_error=False)
        return sum(int(r["pending"]) for r in replies if isinstance(r, dict))

    async def lag(self) -> int:
        """Sum of the groups' ``lag`` (Redis >= 7); 0 where Redis cannot tell."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for et in self.event_types:
                pipe.xinfo_groups(self._stream(et))
            replies = await pipe.execute(raise_on_error=False)
        total = 0
        for et, groups in zip(self.event_types, replies, strict=True):
            if isinstance(groups, Exception):
                continue
            for g in groups:
                if text(g.get("name")) == group_name(et) and g.get("lag") is not None:
                    total += int(g["lag"])
        return total

    async def read_stream(
        self, key: str, count: int | None = None
    ) -> list[tuple[str, dict[str, str]]]:
        """Entries of ``key`` (namespace applied), oldest first; ``count`` = the newest N."""
        if count is None:
            return entries(await self.redis.xrange(self.namespace + key))
        return entries(await self.redis.xrevrange(self.namespace + key, count=count))[::-1]

    async def close(self) -> None:
        """Close the connection pool if this bus created it from a URL."""
        if self._owns_client:
            await self.redis.aclose()
