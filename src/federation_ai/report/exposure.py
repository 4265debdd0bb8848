"""The exposure multiplier ``m`` of SPEC §13, from an account's effective policy.

``m`` is 0 while frozen or while the mode is not LIVE; else the capital profile's
``max_risk_per_trade_pct`` over the baseline profile's, times the effective
``max_position_size_pct`` over the CRO's base (so an operator risk pin counts). For a
trade, ``m`` is also 0 when its symbol is a CIO candidate outside the active symbols.
Multipliers are rounded to 9 decimals, like every threshold comparison of SPEC §3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from federation_ai.core.core_config import CoreConfig
    from federation_ai.core.state import Policy

DECIMALS = 9

# what m depends on: mode, profile, tier, frozen, active symbols, effective position size
Key = tuple[str, str, int, bool, int, float]


class Exposure(NamedTuple):
    """The policy facts the report reads after one event, with the multiplier they give."""

    mode: str
    profile: str
    tier: int
    frozen: bool
    n_symbols: int
    m: float  # before the universe rule (that one depends on the trade's symbol)


class Multiplier:
    """Computes ``m`` for one configuration and baseline profile."""

    def __init__(self, cfg: CoreConfig, baseline_profile: str | None = None) -> None:
        baseline = baseline_profile or cfg.ceo.initial_profile
        self._risk = {name: p[0] for name, p in cfg.ceo.profiles.items()}
        self._baseline_risk = self._risk[baseline]
        self._base_position = cfg.cro.max_position_size_pct
        self._candidates = {s: i for i, s in enumerate(cfg.cio.candidates)}
        self.baseline = baseline

    @staticmethod
    def key(p: Policy) -> Key:
        return (p.mode, p.profile, p.tier, p.frozen, p.n_symbols, p.limits["max_position_size_pct"])

    def of(self, policy: Policy) -> Exposure:
        return self.exposure(self.key(policy))

    def exposure(self, key: Key) -> Exposure:
        mode, profile, tier, frozen, n_symbols, position = key
        if frozen or mode != "LIVE":
            m = 0.0
        else:
            ratio = self._risk[profile] / self._baseline_risk * (position / self._base_position)
            m = round(ratio, DECIMALS)
        return Exposure(mode, profile, tier, frozen, n_symbols, m)

    def for_trade(self, exposure: Exposure, symbol: str) -> float:
        rank = self._candidates.get(symbol)
        if rank is not None and rank >= exposure.n_symbols:
            return 0.0  # a candidate the CIO has not made active
        return exposure.m
