"""Honest health: what the service knows about its store and its bus, right now.

Every call that matters goes through ``HealthBoard.watch(dependency, operation)``:
the pipeline's commit, the consumer's reads, the relay's publishing and outbox
work, and the probes (``probe.py``). Each (dependency, operation) pair is a check:

* it **fails** when its call raises, and stays failing until a later call of the
  same check succeeds (so a read that works does not hide a write that does not);
* it **stalls** while a call has been waiting longer than ``stall_s``;
* the service is ``degraded`` while any check fails or stalls, ``ok`` otherwise.

Logging follows the state of each dependency, not the calls: one warning when it
starts failing or stalling (naming the operation, the fault, the error and where the
data lives), a reminder every ``log_every_s`` while it goes on, one line when every
check of it answers again. A check's error is stamped with its time and cleared on
recovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from federation_ai.service.faults import describe_error, fault_kind
from federation_ai.service.health_checks import DEGRADED, OK, Check, Checks, Dependency, Operation
from federation_ai.service.health_log import OutageLog
from federation_ai.store.rfc3339 import utc_now

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

__all__ = ["DEGRADED", "OK", "Dependency", "HealthBoard", "Operation"]



def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


class HealthBoard:
    """The state of every check; read by ``/health`` and ``status()``, never blocking."""

    def __init__(
        self,
        *,
        stall_s: float = 2.0,
        log_every_s: float = 30.0,
        locations: Mapping[Dependency, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = utc_now,
    ) -> None:
        self.stall_s = stall_s
        self.log_every_s = log_every_s
        self.locations = dict(locations or {})
        self._clock = clock
        self._wall = wall
        self._checks: Checks = {}
        self._tokens = itertools.count()
        self._recovery = asyncio.Event()  # set when a failing or stalled check succeeds
        self._recovered_at = float("-inf")  # monotonic: the last time one did
        self._log = OutageLog(
            self._checks,
            stall_s=stall_s,
            log_every_s=log_every_s,
            locations=self.locations,
            clock=clock,
            recovered=self._recovered,
        )

    def _check(self, dependency: Dependency, operation: Operation) -> Check:
        key = (dependency, operation)
        check = self._checks.get(key)
        if check is None:
            check = self._checks[key] = Check()
        return check

    @contextlib.asynccontextmanager
    async def watch(
        self,
        dependency: Dependency,
        operation: Operation,
        *,
        answers: tuple[type[BaseException], ...] = (),
        probe: bool = False,
    ) -> AsyncIterator[None]:
        """Time the block; an exception fails the check (``answers`` are replies, not faults).

        ``probe``: the call is the health probe's, not the service's own work (it does
        not count as an attempt for ``idle_for``). A cancelled call records nothing.
        """
        check = self._check(dependency, operation)
        token = next(self._tokens)
        started = self._clock()
        check.in_flight[token] = started
        if not probe:
            check.last_attempt = started
        try:
            yield
        except answers:
            check.in_flight.pop(token, None)
            self.succeeded(dependency, operation)
            raise
        except Exception as exc:
            check.in_flight.pop(token, None)
            self.failed(dependency, operation, exc)
            raise
        else:
            check.in_flight.pop(token, None)
            self.succeeded(dependency, operation)
        finally:
            check.in_flight.pop(token, None)  # cancelled: nothing recorded

    def failed(self, dependency: Dependency, operation: Operation, exc: BaseException) -> None:
        check = self._check(dependency, operation)
        check.failures += 1
        check.error, check.kind = describe_error(exc), str(fault_kind(exc))
        check.error_at = self._wall()
        if check.failing_since is None:
            check.failing_since, check.failing_since_at = self._clock(), check.error_at
        self._log.count_failure(dependency)
        self._log.follow(dependency, operation)

    def succeeded(self, dependency: Dependency, operation: Operation) -> None:
        check = self._check(dependency, operation)
        if check.failing_since is not None:
            self._recovered()
        check.failures = 0
        check.error = check.kind = check.error_at = None
        check.failing_since = check.failing_since_at = None
        check.last_ok_at, check.last_ok = self._wall(), self._clock()
        self._log.follow(dependency, operation)

    def _recovered(self) -> None:
        self._recovered_at = self._clock()
        self._recovery.set()

    async def recovery(self, within_s: float, since: float = float("inf")) -> None:
        """Wait until a failing check succeeds (e.g. the probe sees the store back), at
        most ``within_s``; at once if one has since ``since`` (monotonic, ``now()``). A
        retry that waits here starts as soon as the dependency is back."""
        if self._recovered_at > since:
            return
        self._recovery.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within_s):
                await self._recovery.wait()

    def tick(self) -> None:
        """Notice stalls as they begin and remind of long outages (called by the prober)."""
        for dependency in {d for d, _ in self._checks}:
            self._log.follow(dependency, None)

    # --- reading ------------------------------------------------------------------

    def failing(self, dependency: Dependency, operation: Operation) -> bool:
        check = self._checks.get((dependency, operation))
        return check is not None and check.failing_since is not None

    def answered_since(self, dependency: Dependency, since: float) -> bool:
        """Whether any check of ``dependency`` succeeded after ``since`` (monotonic)."""
        return any(
            d == dependency and c.last_ok is not None and c.last_ok > since
            for (d, _), c in self._checks.items()
        )

    def now(self) -> float:
        """The board's monotonic clock (for ``answered_since``)."""
        return self._clock()

    def idle_for(self, dependency: Dependency, operation: Operation) -> float:
        """Seconds since the service's own last call of this check (inf: never)."""
        check = self._checks.get((dependency, operation))
        if check is None or check.last_attempt is None:
            return float("inf")
        return self._clock() - check.last_attempt

    def summary(self) -> dict[str, Any]:
        """``{"status": "ok" | "degraded", "reasons": [...]}``: no error texts (it is public)."""
        now = self._clock()
        reasons: list[str] = []
        for (dependency, operation), check in sorted(self._checks.items()):
            if check.failing_since is not None:
                reasons.append(
                    f"{dependency}: {operation} failing ({check.kind}) for "
                    f"{now - check.failing_since:.1f} s"
                )
            waiting = check.waiting(now)
            if waiting is not None and waiting >= self.stall_s:
                reasons.append(f"{dependency}: {operation} unanswered for {waiting:.1f} s")
        return {"status": DEGRADED if reasons else OK, "reasons": reasons}

    def report(self) -> dict[str, Any]:
        """The summary plus every check with its error and times (for ``status()``)."""
        now = self._clock()
        checks: dict[str, Any] = {}
        for (dependency, operation), check in sorted(self._checks.items()):
            waiting = check.waiting(now)
            stalled = waiting is not None and waiting >= self.stall_s
            checks[f"{dependency}.{operation}"] = {
                "ok": check.failing_since is None and not stalled,
                "failures": check.failures,
                "last_error": None
                if check.error is None
                else {"error": check.error, "kind": check.kind, "at": _iso(check.error_at)},
                "failing_since": _iso(check.failing_since_at),
                "waiting_s": None if waiting is None else round(waiting, 3),
                "last_ok_at": _iso(check.last_ok_at),
            }
        return {
            **self.summary(),
            "checks": checks,
            "locations": {str(d): where for d, where in self.locations.items()},
        }

    def last_error(self, dependency: Dependency) -> dict[str, Any] | None:
        """The newest error of any failing check of ``dependency`` (None: all answer)."""
        errors = [
            c for (d, _), c in self._checks.items() if d == dependency and c.error is not None
        ]
        if not errors:
            return None
        newest = max(errors, key=lambda c: c.error_at or datetime.min.replace(tzinfo=UTC))
        return {"error": newest.error, "kind": newest.kind, "at": _iso(newest.error_at)}
