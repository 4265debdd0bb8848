"""The series and bands the HTML report charts, per account: thinned for the page only.

``governed.csv`` keeps every point; a chart keeps the points ``report.chart_points``
chose while the replay ran (a few per run of snapshots, the drawdown troughs among them).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from federation_ai.core.micros import US_PER_SECOND
from federation_ai.report.track import BEFORE_ANY_EVENT

if TYPE_CHECKING:
    from collections.abc import Iterator

    from federation_ai.report.recorder import Recorder
    from federation_ai.report.track import AccountTrack

TIMELINE_ROLES: Final = ("supervisor", "operator", "cro", "ceo", "cio", "cfo", "researcher")


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
    points = track.chart.points()
    frozen = [[a, b] for a, b, v in _spans(track, "frozen") if v]
    lanes = {r: i for i, r in enumerate(TIMELINE_ROLES)}
    tl = track.timeline
    return {
        "id": track.account_id,
        "t": [_seconds(int(p[1])) for p in points],
        "raw": [round(p[2], 4) for p in points],
        "gov": [round(p[3], 4) for p in points],
        "raw_dd": [round(p[4], 6) for p in points],
        "gov_dd": [round(p[5], 6) for p in points],
        "m": [p[6] for p in points],
        "points": track.curve.snapshots,
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


def _dumps(value: Any) -> str:
    # nothing in the data can close the script element
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")


def chart_json(rec: Recorder) -> Iterator[str]:
    """``{"roles": [...], "accounts": [...]}`` as compact JSON, one account at a time."""
    yield f'{{"roles":{_dumps(list(TIMELINE_ROLES))},"accounts":['
    for i, k in enumerate(sorted(rec.accounts)):
        yield ("," if i else "") + _dumps(_account(rec.accounts[k]))
    yield "]}"
