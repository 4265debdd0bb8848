"""The seed's KPIs over a history (SPEC §13): conflicts, overrides, freezes, profile changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from federation_ai.core.decisions import APPLIED, SUPERSEDED, VETOED
from federation_ai.core.micros import US_PER_DAY

if TYPE_CHECKING:
    from collections import Counter

    from federation_ai.report.accuracy import Tally

WEEK_US: Final = 7 * US_PER_DAY
MONTH_US: Final = 30 * US_PER_DAY


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def decision_counts(counter: Counter[tuple[str, str, str]]) -> dict[str, Any]:
    by_role: dict[str, dict[str, dict[str, int]]] = {}
    status_totals = dict.fromkeys((APPLIED, SUPERSEDED, VETOED), 0)
    for (role, dtype, status), n in counter.items():
        cell = by_role.setdefault(role, {}).setdefault(dtype, {})
        cell[status] = cell.get(status, 0) + n
        status_totals[status] = status_totals.get(status, 0) + n
    return {"total": sum(status_totals.values()), **status_totals, "by_role": by_role}


def kpis(
    counter: Counter[tuple[str, str, str]],
    *,
    span_us: int,
    freezes: int,
    upgrades: int,
    emergency_downgrades: int,
    tallies: dict[str, Tally],
) -> dict[str, Any]:
    total = sum(counter.values())
    superseded = sum(n for (_, _, s), n in counter.items() if s == SUPERSEDED)
    vetoed = sum(n for (_, _, s), n in counter.items() if s == VETOED)
    right = sum(t.right for t in tallies.values())
    counted = sum(t.counted for t in tallies.values())
    uncounted = sum(t.uncounted for t in tallies.values())
    return {
        "history_days": span_us / US_PER_DAY,
        "role_conflicts": _ratio(superseded, total),
        "override_rate": _ratio(vetoed, total),
        "freezes": freezes,
        "freezes_per_week": _ratio(freezes * WEEK_US, span_us),
        "profile_upgrades": upgrades,
        "profile_upgrades_per_30d": _ratio(upgrades * MONTH_US, span_us),
        "emergency_downgrades": emergency_downgrades,
        "emergency_downgrades_per_30d": _ratio(emergency_downgrades * MONTH_US, span_us),
        "decision_accuracy": {
            "by_role": {role: t.to_json() for role, t in sorted(tallies.items())},
            "total": {
                "right": right,
                "counted": counted,
                "uncounted": uncounted,
                "accuracy": _ratio(right, counted),
            },
        },
    }
