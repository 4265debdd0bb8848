"""Prometheus instruments of one service instance, on a registry it owns (no globals)."""

from __future__ import annotations

from collections import Counter as Tally
from typing import TYPE_CHECKING, Any

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


class ServiceMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.events = Counter(
            "federation_events",
            "Input events by type and outcome",
            ["event_type", "outcome"],
            registry=r,
        )
        self.decisions = Counter(
            "federation_decisions",
            "Decisions by role, type and status",
            ["role", "decision_type", "status"],
            registry=r,
        )
        self.freezes = Counter("federation_freezes", "Freeze decisions applied", registry=r)
        self.conflicts = Counter(
            "federation_conflicts", "Decisions superseded by a better-ranked source", registry=r
        )
        self.vetoes = Counter("federation_vetoes", "Decisions vetoed by the Supervisor", registry=r)
        self.dlq = Counter(
            "federation_dead_letters",
            "Messages moved to the dead-letter stream",
            ["reason"],
            registry=r,
        )
        self.conflicting_duplicates = Counter(
            "federation_conflicting_duplicates",
            "Duplicate event ids whose content differed from the logged event (ignored)",
            ["event_type"],
            registry=r,
        )
        self.adapter_failures = Counter(
            "federation_adapter_failures", "Failed adapter calls", ["adapter"], registry=r
        )
        self.published = Counter(
            "federation_decisions_published", "Decisions published to the bus", registry=r
        )
        self.commit_failures = Counter(
            "federation_commit_failures", "Batches whose store commit failed", registry=r
        )
        self.step_latency = Histogram(
            "federation_step_seconds",
            "Time of one core step",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_latency = Histogram(
            "federation_commit_seconds", "Time of one store commit", registry=r
        )
        self.bus_lag = Gauge("federation_bus_lag", "Input messages not yet delivered", registry=r)
        self.bus_pending = Gauge(
            "federation_bus_pending", "Input messages delivered but not acknowledged", registry=r
        )
        self.outbox_backlog = Gauge(
            "federation_outbox_backlog", "Outbox items not yet delivered", ["kind"], registry=r
        )
        self.accounts = Gauge("federation_accounts", "Accounts the service knows", registry=r)
        self.frozen_accounts = Gauge(
            "federation_frozen_accounts", "Accounts whose trading is frozen", registry=r
        )
        self.early_warnings = Counter(
            "federation_early_warnings",
            "Early warnings fired: a freeze limit is close (not decisions)",
            ["limit"],
            registry=r,
        )
        self.early_warnings_active = Gauge(
            "federation_early_warnings_active",
            "Accounts with an active early warning, per limit",
            ["limit"],
            registry=r,
        )
        self.stale_accounts = Gauge(
            "federation_stale_accounts",
            "Accounts with no new portfolio snapshot for watchdog.stale_after_s",
            registry=r,
        )
        self.input_stale = Gauge(
            "federation_input_stale",
            "1 when no event at all was processed for watchdog.stale_after_s",
            registry=r,
        )
        self.adapter_consecutive_failures = Gauge(
            "federation_adapter_consecutive_failures",
            "Failed adapter calls since its last success (0: healthy)",
            ["adapter"],
            registry=r,
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
