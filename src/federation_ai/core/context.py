"""What every role sees in one step: the same state, event and flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

# At run time too: the compiled core (mypyc) resolves a field's class when it is not
# compiled itself, as the configuration is not (see setup.py).
from federation_ai.core.core_config import CoreConfig  # noqa: TC001 - see above

if TYPE_CHECKING:
    from federation_ai.core.account_metrics import Metrics
    from federation_ai.core.event_codec import Event
    from federation_ai.core.state import AccountState, Policy


@dataclass(frozen=True, slots=True)
class Ctx:
    account: AccountState
    event: Event
    config: CoreConfig
    day_closed: bool  # the day-close rules run in this step
    clock_before: int | None = None  # the account's last event time before this event

    @property
    def metrics(self) -> Metrics:
        return self.account.metrics

    @property
    def policy(self) -> Policy:
        return self.account.policy

    @property
    def ts(self) -> int:
        return self.event.ts
