"""The health probe: asks the store and the bus a trivial question every ``interval_s``.

While the service is degraded it probes every 0.1 s (at most ``interval_s``). An
idle service makes no calls, so without a probe an outage would go unseen until
the next event, and a check failed by a call nobody retries (an HTTP ingest whose
commit failed) would stay failed after the store is back. Each probe runs as a task
of its own and a new one starts only when the last has ended: a hung connection
shows up as a stall (``HealthBoard``), never as a queue of probes.

* store: ``SELECT 1`` (check ``store.probe``); while ``store.commit`` is failing and
  no batch has tried to commit for ``write_idle_s``, also a write that changes nothing
  (``Store.probe(write=True)``), which clears ``store.commit`` when it succeeds. While
  batches are retried, their own commits decide.
* bus: ``PING`` (check ``bus.probe``).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING

from federation_ai.service.health import OK, Dependency, Operation

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from typing import Any

    from federation_ai.bus import EventBus
    from federation_ai.service.health import HealthBoard
    from federation_ai.store import Store

WRITE_IDLE_S = 2.0  # longer than any retry wait of the consumer (service.retry_max_s)
DEGRADED_INTERVAL_S = 0.1  # the probe's interval while the service is degraded


@dataclass(eq=False)
class Prober:
    board: HealthBoard
    store: Store
    bus: EventBus
    _: KW_ONLY
    interval_s: float = 0.25
    write_idle_s: float = WRITE_IDLE_S
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict, init=False)

    async def run(self) -> None:
        try:
            while True:
                self.probe_once()
                self.board.tick()
                # faster while something is wrong: the return is seen sooner
                degraded = self.board.summary()["status"] != OK
                await asyncio.sleep(min(self.interval_s, DEGRADED_INTERVAL_S) if degraded
                                    else self.interval_s)
        finally:
            await self.stop()

    def probe_once(self) -> None:
        """Start a probe of each dependency whose previous probe has ended."""
        self._launch("store", self._probe_store)
        self._launch("bus", self._probe_bus)

    async def wait(self) -> None:
        """Until the probes in flight have ended (tests)."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def stop(self) -> None:
        tasks, self._tasks = list(self._tasks.values()), {}
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _launch(self, name: str, probe: Callable[[], Coroutine[Any, Any, None]]) -> None:
        task = self._tasks.get(name)
        if task is None or task.done():
            self._tasks[name] = asyncio.create_task(probe(), name=f"federation-probe-{name}")

    async def _probe_store(self) -> None:
        board = self.board
        with contextlib.suppress(Exception):  # recorded by the board
            async with board.watch(Dependency.STORE, Operation.PROBE, probe=True):
                await self.store.probe()
        commit = Operation.COMMIT
        if (
            board.failing(Dependency.STORE, commit)
            and board.idle_for(Dependency.STORE, commit) >= self.write_idle_s
        ):
            with contextlib.suppress(Exception):
                async with board.watch(Dependency.STORE, commit, probe=True):
                    await self.store.probe(write=True)

    async def _probe_bus(self) -> None:
        with contextlib.suppress(Exception):
            async with self.board.watch(Dependency.BUS, Operation.PROBE, probe=True):
                await self.bus.ping()
