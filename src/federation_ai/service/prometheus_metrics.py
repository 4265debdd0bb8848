"""Prometheus instruments of one service instance, on a registry it owns (no globals).

Every name is ``federation_<name>``; ``_instrument`` makes one from its name, help and labels.
"""

from __future__ import annotations

from collections import Counter as Tally
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from collections.abc import Iterable

_LATENCY_BUCKETS = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.5,
)


M = TypeVar("M", Counter, Gauge, Histogram)


def _instrument(
    kind: type[M], registry: CollectorRegistry, name: str, doc: str, *labels: str, **extra: Any
) -> M:
    return kind(f"federation_{name}", doc, labels, registry=registry, **extra)


class ServiceMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        counter = partial(_instrument, Counter, r)
        gauge = partial(_instrument, Gauge, r)
        self.events = counter("events", "Input events by type and outcome", "event_type", "outcome")
        self.decisions = counter(
            "decisions", "Decisions by role, type and status", "role", "decision_type", "status"
        )
        self.freezes = counter("freezes", "Freeze decisions applied")
        self.conflicts = counter("conflicts", "Decisions superseded by a better-ranked source")
        self.vetoes = counter("vetoes", "Decisions vetoed by the Supervisor")
        self.dlq = counter("dead_letters", "Messages moved to the dead-letter stream", "reason")
        self.conflicting_duplicates = counter(
            "conflicting_duplicates",
            "Duplicate event ids whose content differed from the logged event (ignored)",
            "event_type",
        )
        self.adapter_failures = counter("adapter_failures", "Failed adapter calls", "adapter")
        self.published = counter("decisions_published", "Decisions published to the bus")
        self.commit_failures = counter("commit_failures", "Batches whose store commit failed")
        self.step_latency = _instrument(
            Histogram, r, "step_seconds", "Time of one core step", buckets=_LATENCY_BUCKETS
        )
        self.batch_latency = _instrument(Histogram, r, "commit_seconds", "Time of one store commit")
        self.bus_lag = gauge("bus_lag", "Input messages not yet delivered")
        self.bus_pending = gauge("bus_pending", "Input messages delivered but not acknowledged")
        self.outbox_backlog = gauge("outbox_backlog", "Outbox items not yet delivered", "kind")
        self.accounts = gauge("accounts", "Accounts the service knows")
        self.frozen_accounts = gauge("frozen_accounts", "Accounts whose trading is frozen")
        self.early_warnings = counter(
            "early_warnings",
            "Early warnings fired: a freeze limit is close (not decisions)",
            "limit",
        )
        self.early_warnings_active = gauge(
            "early_warnings_active", "Accounts with an active early warning, per limit", "limit"
        )
        self.stale_accounts = gauge(
            "stale_accounts", "Accounts with no new portfolio snapshot for watchdog.stale_after_s"
        )
        self.input_stale = gauge(
            "input_stale", "1 when no event at all was processed for watchdog.stale_after_s"
        )
        self.adapter_consecutive_failures = gauge(
            "adapter_consecutive_failures",
            "Failed adapter calls since its last success (0: healthy)",
            "adapter",
        )

    def count_decisions(self, decisions: Iterable[dict[str, Any]]) -> None:
        counts = Tally((d["role_source"], d["decision_type"], d["status"]) for d in decisions)
        for (role, decision_type, status), n in counts.items():
            self.decisions.labels(role, decision_type, status).inc(n)
            if status == "superseded":
                self.conflicts.inc(n)
            elif status == "vetoed":
                self.vetoes.inc(n)
            elif decision_type == "freeze":
                self.freezes.inc(n)

    def set_accounts(self, frozen: Iterable[bool]) -> None:
        """One flag per account: True where its trading is frozen."""
        flags = list(frozen)
        self.accounts.set(len(flags))
        self.frozen_accounts.set(sum(flags))

    def set_adapter_failures(self, consecutive: dict[str, int]) -> None:
        for adapter, failures in consecutive.items():
            self.adapter_consecutive_failures.labels(adapter).set(failures)

    def set_backlog(self, stats: dict[str, int], kinds: Iterable[str]) -> None:
        for kind in {*kinds, *stats}:
            self.outbox_backlog.labels(kind).set(stats.get(kind, 0))
