"""The ``[interop]`` settings: which backend profile is on and its mapping data."""

from __future__ import annotations

from dataclasses import dataclass, field

from federation_ai.core.core_config import ConfigError
from federation_ai.core.vocabulary import ESS_LEVELS

QUANTUM_TRADER = "quantum_trader"
PROFILES = ("", QUANTUM_TRADER)  # "": no profile, the seed's envelope only

# The backend's ESS states (two modules use two vocabularies) -> our ESS levels.
DEFAULT_ESS_STATES: dict[str, str] = {
    "ARMED": "NOMINAL",
    "NORMAL": "NOMINAL",
    "DISABLED": "NOMINAL",
    "CAUTION": "WARNING",
    "COOLING_DOWN": "WARNING",
    "TRIPPED": "CRITICAL",
    "CRITICAL": "CRITICAL",
}
# What halts the backend's trading: key -> the value that means "halted".
DEFAULT_HALT_KEYS: dict[str, str] = {
    "quantum:kill": "1",
    "quantum:global:kill_switch": "1",
    "quantum:governor:halt": "1",
}


@dataclass(frozen=True, slots=True)
class InteropConfig:
    profile: str = ""  # "" (off) or "quantum_trader"
    naive_timestamps_utc: bool = True  # a bus envelope time without a zone is UTC
    default_account: str = "default"  # the account of messages that name none
    zero_pnl_usd_uses_percent: bool = True  # pnl_usd "0.0" beside a non-zero pnl_percent
    ess_states: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ESS_STATES))
    enforcement: bool = True  # halt keys and policy hash on the adapters' Redis
    halt_keys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HALT_KEYS))
    halt_reason_key: str = "quantum:global:kill_switch:reason"
    policy_key: str = "quantum:policy:current"
    policy_field_prefix: str = "federation_"

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ConfigError(
                "interop.profile", f"must be '' or {QUANTUM_TRADER!r}, got {self.profile!r}"
            )
        for state, level in self.ess_states.items():
            if level not in ESS_LEVELS:
                raise ConfigError(
                    f"interop.ess_states.{state}",
                    f"must be one of {', '.join(ESS_LEVELS)}, got {level!r}",
                )
        if not self.default_account:
            raise ConfigError("interop.default_account", "must not be empty")
        if not self.policy_field_prefix:
            raise ConfigError("interop.policy_field_prefix", "must not be empty")

    @property
    def on(self) -> bool:
        return self.profile == QUANTUM_TRADER

    @property
    def enforcing(self) -> bool:
        return self.on and self.enforcement
