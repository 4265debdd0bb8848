"""Assemble ``report.json`` (SPEC §13) from what the recorder kept: per account and in total.

Every figure here is deterministic: the same input and configuration give the same
report, byte for byte. The one measured figure, step latency, is passed in by the
shell and kept under its own top-level key, ``timing``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from federation_ai.core.micros import US_PER_SECOND, format_timestamp
from federation_ai.report.accuracy import Tally
from federation_ai.report.impact import Impact
from federation_ai.report.kpis import decision_counts, kpis
from federation_ai.report.report_settings import NAV
from federation_ai.report.track import TradeStats

if TYPE_CHECKING:
    from federation_ai.report.recorder import Recorder
    from federation_ai.report.total import TotalCurve
    from federation_ai.report.track import AccountTrack


def _seconds(counter: Counter[str]) -> dict[str, float]:
    return {k: v / US_PER_SECOND for k, v in sorted(counter.items())}


def _ts(us: int | None) -> str | None:
    return None if us is None else format_timestamp(us)


def _trades_json(t: TradeStats) -> dict[str, Any]:
    return {
        "count": t.count,
        "pnl_usd": t.pnl_usd,
        "wins": t.wins,
        "losses": t.losses,
        "with_opened_at": t.with_opened_at,
        "ungoverned": t.count - t.with_opened_at,
        "governed": t.governed.to_json("trades"),
    }


def _impact(track: AccountTrack) -> Impact:
    return track.curve.intervals if track.method == NAV else track.trades.governed


def _units(method: str) -> str:
    return "intervals" if method == NAV else "trades"


def _account(track: AccountTrack, rec: Recorder) -> tuple[dict[str, Any], dict[str, Tally]]:
    c = track.curve
    min_days = rec.config.metrics.min_sharpe_days
    tallies = track.scoring.tallies
    span = (track.last_ts or 0) - (track.first_ts or 0)
    ends = (c.first[0], c.raw_equity) if c.snapshots else None
    gov_ends = (c.first[1], c.gov_equity) if c.snapshots else None
    governed = c.gov.figures(gov_ends, track.last_ts, min_days)
    governed["ruined_at"] = _ts(c.ruined_at)
    body = {
        "method": track.method,
        "first_event": _ts(track.first_ts),
        "last_event": _ts(track.last_ts),
        "events": track.events,
        "snapshots": c.snapshots,
        "raw": c.raw.figures(ends, track.last_ts, min_days),
        "governed": governed,
        "governance": _impact(track).to_json(_units(track.method)),
        "trades": _trades_json(track.trades),
        "time_in_mode": _seconds(track.time_in("mode")),
        "time_in_profile": _seconds(track.time_in("profile")),
        "decisions": decision_counts(track.decisions),
        "kpis": kpis(
            track.decisions,
            span_us=span,
            freezes=track.freezes,
            upgrades=track.upgrades,
            emergency_downgrades=track.emergency_downgrades,
            tallies=tallies,
        ),
    }
    return body, tallies


def _total(rec: Recorder, curve: TotalCurve, tallies: dict[str, Tally]) -> dict[str, Any]:
    tracks = [rec.accounts[k] for k in sorted(rec.accounts)]
    last = max((t.last_ts for t in tracks if t.last_ts is not None), default=None)
    min_days = rec.config.metrics.min_sharpe_days
    impact, trades = Impact(), TradeStats()
    decisions: Counter[tuple[str, str, str]] = Counter()
    mode: Counter[str] = Counter()
    profile: Counter[str] = Counter()
    for t in tracks:
        impact.merge(_impact(t))
        trades.merge(t.trades)
        decisions.update(t.decisions)
        mode.update(t.time_in("mode"))
        profile.update(t.time_in("profile"))
    span = sum((t.last_ts or 0) - (t.first_ts or 0) for t in tracks)
    raw, governed = curve.figures(last, min_days)
    return {
        "method": rec.method,
        "accounts": len(tracks),
        "events": sum(t.events for t in tracks),
        "snapshots": curve.points,
        "raw": raw,
        "governed": governed,
        "governance": impact.to_json(_units(rec.method)),
        "trades": _trades_json(trades),
        "time_in_mode": _seconds(mode),
        "time_in_profile": _seconds(profile),
        "decisions": decision_counts(decisions),
        "kpis": kpis(
            decisions,
            span_us=span,
            freezes=sum(t.freezes for t in tracks),
            upgrades=sum(t.upgrades for t in tracks),
            emergency_downgrades=sum(t.emergency_downgrades for t in tracks),
            tallies=tallies,
        ),
    }


def build_report(rec: Recorder, timing: dict[str, Any] | None = None) -> dict[str, Any]:
    curve = rec.finish()
    accounts: dict[str, Any] = {}
    tallies: dict[str, Tally] = {}
    for account_id in sorted(rec.accounts):
        body, mine = _account(rec.accounts[account_id], rec)
        accounts[account_id] = body
        for role, t in mine.items():
            into = tallies.setdefault(role, Tally())
            into.right += t.right
            into.counted += t.counted
            into.uncounted += t.uncounted
    report: dict[str, Any] = {
        "settings": {
            "method": rec.report.method,
            "method_used": rec.method,
            "baseline_profile": rec.multiplier.baseline,
            "accuracy_horizon_days": rec.report.accuracy_horizon_days,
            "config_digest": rec.config.digest,
        },
        "accounts": accounts,
        "total": _total(rec, curve, tallies),
    }
    if timing is not None:
        report["timing"] = timing
    return report
