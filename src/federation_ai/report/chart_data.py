"""The series and bands the HTML report charts, per account: thinned for the page only.

``governed.csv`` keeps every point; a chart keeps at most ``MAX_POINTS`` per account,
taking from each run of points the first one and those with the deepest raw and
governed drawdown, so no drawdown trough disappears from the picture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from federation_ai.core.micros import US_PER_SECOND
from federation_ai.report.track import BEFORE_ANY_EVENT

if TYPE_CHECKING:
    from collections.abc import Sequence

    from federation_ai.report.recorder import Recorder
    from federation_ai.report.track import AccountTrack

MAX_POINTS: Final = 4000
TIMELINE_ROLES: Final = ("supervisor", "operator", "cro", "ceo", "cio", "cfo", "researcher")


def _keep(n: int, raw_dd: Sequence[float], gov_dd: Sequence[float]) -> list[int]:
    if n <= MAX_POINTS:
        return list(range(n))
    size = -(-n * 3 // MAX_POINTS)  # three points per run at most
    keep: set[int] = {n - 1}
    for start in range(0, n, size):
        run = range(start, min(n, start + size))
        keep.add(start)
        keep.add(max(run, key=raw_dd.__getitem__))
        keep.add(max(run, key=gov_dd.__getitem__))
    return sorted(keep)


def _seconds(us: int) -> float:
    return us / US_PER_SECOND


def _spans(track: AccountTrack, attr: str) -> list[list[Any]]:
    """[start, end, value] runs of one exposure field, in seconds."""
    if track.first_ts is None or track.last_ts is None:
        return []
    out: list[list[Any]] = []
    for ts, exp in zip(track.change_ts, track.changes, strict=True):
        start = track.first_ts if ts == BEFORE_ANY_EVENT else ts
        value = getattr(exp, attr)
        if out and out[-1][2] == value:
            continue
        if out:
            out[-1][1] = _seconds(start)
        out.append([_seconds(start), _seconds(track.last_ts), value])
    return out


def _account(track: AccountTrack) -> dict[str, Any]:
    c = track.curve.curve
    raw_dd, gov_dd = c.series().raw_dd, c.series().gov_dd
    idx = _keep(len(c), raw_dd, gov_dd)
    frozen = [[a, b] for a, b, v in _spans(track, "frozen") if v]
    lanes = {r: i for i, r in enumerate(TIMELINE_ROLES)}
    tl = track.timeline
    return {
        "id": track.account_id,
        "t": [_seconds(c.ts[i]) for i in idx],
        "raw": [round(c.raw[i], 4) for i in idx],
        "gov": [round(c.governed[i], 4) for i in idx],
        "raw_dd": [round(raw_dd[i], 6) for i in idx],
        "gov_dd": [round(gov_dd[i], 6) for i in idx],
        "m": [c.m[i] for i in idx],
        "points": len(c),
        "t0": _seconds(track.first_ts or 0),
        "t1": _seconds(track.last_ts or 0),
        "modes": _spans(track, "mode"),
        "profiles": _spans(track, "profile"),
        "freezes": frozen,
        "decisions": {
            "t": [_seconds(e.ts) for e in tl],
            "lane": [lanes.get(e.role, len(lanes) - 1) for e in tl],
            "status": [e.status for e in tl],
            "type": [e.decision_type for e in tl],
        },
    }


def chart_data(rec: Recorder) -> dict[str, Any]:
    return {
        "roles": list(TIMELINE_ROLES),
        "accounts": [_account(rec.accounts[k]) for k in sorted(rec.accounts)],
    }
