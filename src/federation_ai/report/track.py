"""What the report keeps of one account while the replay runs: fed one step at a time."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, NamedTuple

from federation_ai.core.decisions import APPLIED, VETOED
from federation_ai.core.vocabulary import CRITICAL, PROFILE_LEVEL, SNAPSHOT, TRADE
from federation_ai.report.accuracy import Scoring, direction
from federation_ai.report.chart_points import ChartPoints
from federation_ai.report.curve import GovernedCurve
from federation_ai.report.impact import Impact
from federation_ai.report.report_settings import TRADES
from federation_ai.report.sums import add_into

if TYPE_CHECKING:
    from federation_ai.core.decisions import Decision
    from federation_ai.core.event_codec import Event
    from federation_ai.report.exposure import Exposure, Key, Multiplier
    from federation_ai.report.rows import GovernedRows

BEFORE_ANY_EVENT: Final = -(2**62)
MAX_TIMELINE: Final = 2000  # decisions kept per account for the HTML timeline
# the decisions the HTML lists with their reason (and the vetoed ones); the others keep none
KEY_TYPES: Final = frozenset(
    {"freeze", "unfreeze", "mode_change", "capital_profile", "risk_adjustment"}
)


class TimelineEntry(NamedTuple):  # a tuple: it pickles to a ``--jobs`` parent compiled or not
    ts: int
    role: str
    decision_type: str
    status: str
    reason: str


@dataclass(slots=True)
class TradeStats:
    """Closed trades; those with ``opened_at`` are governed by the m in force at that time."""

    count: int = 0
    pnl_usd: float = 0.0
    wins: int = 0
    losses: int = 0
    governed: Impact = field(default_factory=Impact)  # the trades with ``opened_at``

    @property
    def with_opened_at(self) -> int:
        """The governed trades: each was taken (m > 0) or skipped (m = 0)."""
        return self.governed.taken + self.governed.skipped

    def add(self, pnl: float, m: float | None) -> None:
        """One closed trade; ``m`` None: it has no ``opened_at`` (not governed, m = 1)."""
        self.count += 1
        self.pnl_usd += pnl
        self.wins += pnl > 0
        self.losses += pnl < 0
        if m is not None:
            self.governed.add(m, pnl)

    def merge(self, other: TradeStats) -> None:
        add_into(self, other)
        self.governed.merge(other.governed)


@dataclass(slots=True)
class AccountTrack:
    """Fixed in size but for the exposure changes and the capped timeline: the curve's
    points go to ``governed.csv`` (through ``GovernedRows``) and to the chart's thinned
    points, decisions are scored once their horizon has passed."""

    account_id: str
    method: str
    curve: GovernedCurve
    change_ts: list[int]  # when the exposure changed (the first: before any event)
    changes: list[Exposure]  # the exposure from then on
    scoring: Scoring
    chart: ChartPoints = field(default_factory=ChartPoints)
    exposure_key: Key | None = None  # what ``exposure`` was computed from
    m_after_snapshot: float = 1.0  # in force after the last snapshot: the next interval's m
    first_ts: int | None = None
    last_ts: int | None = None
    events: int = 0
    decisions: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    freezes: int = 0
    upgrades: int = 0
    emergency_downgrades: int = 0
    trades: TradeStats = field(default_factory=TradeStats)
    timeline: list[TimelineEntry] = field(default_factory=list)
    timeline_dropped: int = 0

    @classmethod
    def new(cls, account_id: str, method: str, initial: Exposure, horizon_us: int) -> AccountTrack:
        return cls(
            account_id,
            method,
            GovernedCurve(method),
            [BEFORE_ANY_EVENT],
            [initial],
            Scoring(horizon_us),
        )

    @property
    def exposure(self) -> Exposure:
        """After the last event."""
        return self.changes[-1]

    def time_in(self, attr: str) -> Counter[str]:
        """Microseconds in each value of an exposure field (``mode``, ``profile``) between the
        account's first and last event: the value in force after an event counts until the
        next one."""
        out: Counter[str] = Counter()
        if self.first_ts is None or self.last_ts is None:
            return out
        starts = [max(t, self.first_ts) for t in self.change_ts]
        for start, end, exp in zip(starts, [*starts[1:], self.last_ts], self.changes, strict=True):
            out[str(getattr(exp, attr))] += end - start
        return +out  # without the zero spans

    def exposure_before(self, ts: int) -> Exposure:
        """The exposure after every event of the account strictly before ``ts``."""
        return self.changes[bisect_left(self.change_ts, ts) - 1]

    def observe(
        self,
        event: Event,
        decisions: list[Decision],
        after: Exposure,
        mult: Multiplier,
        rows: GovernedRows,
    ) -> None:
        ts = event.ts
        before = self.exposure
        if self.last_ts is None:
            self.first_ts = ts
        self.last_ts = ts
        self.events += 1
        self.scoring.at(ts)
        for d in decisions:
            self._decision(ts, d, before)
        if after != before:
            self.change_ts.append(ts)
            self.changes.append(after)
        if event.event_type == SNAPSHOT:
            p = event.payload
            self._snapshot(ts, p["total_equity"], p.get("net_flow", 0.0), after.m, rows)
        elif event.event_type == TRADE:
            self._trade(event, mult)

    def _snapshot(self, ts: int, equity: float, flow: float, m: float, rows: GovernedRows) -> None:
        c = self.curve
        gov, raw_dd, gov_dd = c.on_snapshot(ts, equity, flow, self.m_after_snapshot)
        self.m_after_snapshot = m
        self.scoring.on_snapshot(c.raw_nav)
        self.chart.add(ts, (equity, gov, raw_dd, gov_dd, m))
        rows.add((ts, self.account_id, equity, gov, raw_dd, gov_dd, m, flow))

    def _trade(self, event: Event, mult: Multiplier) -> None:
        p = event.payload
        pnl = p["pnl_usd"]
        opened_at = p.get("opened_at")
        if opened_at is None:
            self.trades.add(pnl, None)
            return
        m = mult.for_trade(self.exposure_before(opened_at), p["symbol"])
        self.trades.add(pnl, m)
        if self.method == TRADES:
            self.curve.on_trade(m, pnl)

    def _decision(self, ts: int, d: Decision, before: Exposure) -> None:
        self.decisions[(d.role_source, d.decision_type, d.status)] += 1
        if len(self.timeline) < MAX_TIMELINE:
            key = d.decision_type in KEY_TYPES or d.status == VETOED
            self.timeline.append(
                TimelineEntry(ts, d.role_source, d.decision_type, d.status, d.reason if key else "")
            )
        else:
            self.timeline_dropped += 1
        way = direction(d, before.tier)
        if way is not None:
            self.scoring.add(ts, d.role_source, way)
        if d.status != APPLIED:
            return
        if d.decision_type == "freeze":
            self.freezes += 1
        elif d.decision_type == "capital_profile":
            p = d.payload
            if PROFILE_LEVEL[p["profile"]] > PROFILE_LEVEL[p["previous_profile"]]:
                self.upgrades += 1
            elif d.role_source == "ceo" and d.priority == CRITICAL:
                self.emergency_downgrades += 1
