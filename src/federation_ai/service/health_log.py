"""The health board's log: one line per state change of a dependency, reminders
while an outage goes on, one line when it answers again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from federation_ai.service.health_checks import FAILING, OK, STALLED, dependency_state

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from federation_ai.service.health_checks import Checks, Dependency, Operation

log = structlog.get_logger("federation_ai.health")
_BEGINS = {STALLED: "dependency_stalled", FAILING: "dependency_failing"}
_GOES_ON = {STALLED: "dependency_still_stalled", FAILING: "dependency_still_failing"}


@dataclass(slots=True)
class _Episode:
    """What the log has said about one dependency: its state since ``since``."""

    state: str = OK  # ok | stalled | failing
    since: float = 0.0
    reminded: float = 0.0
    failures: int = 0  # failed calls since the dependency stopped answering


class OutageLog:
    """Follows each dependency's state over the board's checks and logs its changes."""

    def __init__(
        self,
        checks: Checks,
        *,
        stall_s: float,
        log_every_s: float,
        locations: Mapping[Dependency, str],
        clock: Callable[[], float],
        recovered: Callable[[], None],
    ) -> None:
        self._checks = checks  # the board's own: read, never written here
        self.stall_s = stall_s
        self.log_every_s = log_every_s
        self.locations = locations
        self._clock = clock
        self._recovered = recovered
        self._episodes: dict[Dependency, _Episode] = {}

    def count_failure(self, dependency: Dependency) -> None:
        self._episode(dependency).failures += 1

    def _episode(self, dependency: Dependency) -> _Episode:
        episode = self._episodes.get(dependency)
        if episode is None:
            episode = self._episodes[dependency] = _Episode()
        return episode

    def follow(self, dependency: Dependency, cause: Operation | None) -> None:
        now = self._clock()
        episode = self._episode(dependency)
        state, operation = dependency_state(self._checks, dependency, now, self.stall_s)
        operation = operation or cause
        if state == episode.state:
            if state != OK and now - episode.reminded >= self.log_every_s:
                episode.reminded = now
                log.warning(
                    _GOES_ON[state],
                    **self._where(dependency, operation),
                    for_s=round(now - episode.since, 1),
                    failures=episode.failures,
                    **self._error(dependency, operation),
                )
            return
        previous, started = episode.state, episode.since
        if previous == OK:
            episode.since = now
        episode.state, episode.reminded = state, now
        if state == OK:
            self._recovered()
            log.info(
                "dependency_recovered",
                **self._where(dependency, cause),
                down_s=round(now - started, 3),
                failures=episode.failures,
            )
            episode.failures = 0
        elif previous == OK or state == FAILING:
            log.warning(
                _BEGINS[state],
                **self._where(dependency, operation),
                **self._error(dependency, operation),
            )

    def _where(self, dependency: Dependency, operation: Operation | None) -> dict[str, str]:
        return {
            "dependency": str(dependency),
            "operation": "" if operation is None else str(operation),
            "location": self.locations.get(dependency, ""),
        }

    def _error(self, dependency: Dependency, operation: Operation | None) -> dict[str, Any]:
        check = self._checks.get((dependency, operation)) if operation is not None else None
        if check is None or check.error is None:
            return {}
        return {"fault": check.kind, "error": check.error}
