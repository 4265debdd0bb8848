"""The decision core: plain synchronous Python over the standard library.

One entry point, :func:`step`. No I/O, no asyncio, no wall clock.
"""

from federation_ai.core.core_config import ConfigError, CoreConfig
from federation_ai.core.decisions import Decision
from federation_ai.core.event_codec import Event, InvalidEvent, parse_event
from federation_ai.core.state import AccountState, FederationState
from federation_ai.core.step import DUPLICATE, OUT_OF_ORDER, PROCESSED, StepResult, step
from federation_ai.core.view import policy_view

__all__ = [
    "DUPLICATE",
    "OUT_OF_ORDER",
    "PROCESSED",
    "AccountState",
    "ConfigError",
    "CoreConfig",
    "Decision",
    "Event",
    "FederationState",
    "InvalidEvent",
    "StepResult",
    "parse_event",
    "policy_view",
    "step",
]
