"""The governed replay's one input: every step of the replay, as (event, step result, state).

The replay loop hands each step to :meth:`Recorder.observe` after ``step`` returns;
the recorder reads the account's effective policy *after* the step and never changes
it. Everything it derives for a period comes from events at or before that period, so
the governed figures never look ahead (SPEC §13).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation_ai.core.micros import US_PER_DAY
from federation_ai.core.state import Policy
from federation_ai.core.step import PROCESSED
from federation_ai.report.exposure import Multiplier
from federation_ai.report.rows import GovernedRows
from federation_ai.report.track import AccountTrack

if TYPE_CHECKING:
    from federation_ai.core.core_config import CoreConfig
    from federation_ai.core.event_codec import Event
    from federation_ai.core.state import FederationState
    from federation_ai.core.step import StepResult
    from federation_ai.report.report_settings import ReportConfig
    from federation_ai.report.rows import RowSink
    from federation_ai.report.spool import Spool
    from federation_ai.report.total import TotalCurve


class Recorder:
    """``spool`` keeps the governed rows by account (a temporary file if None); ``out``
    gets them as they are made (``report.rows``)."""

    def __init__(
        self,
        cfg: CoreConfig,
        report: ReportConfig,
        method: str,
        *,
        spool: Spool | None = None,
        out: RowSink | None = None,
    ) -> None:
        self.multiplier = Multiplier(cfg, report.baseline_profile)
        self.config, self.report, self.method = cfg, report, method
        self._initial = self.multiplier.of(Policy.initial(cfg))
        self._horizon = round(report.accuracy_horizon_days * US_PER_DAY)
        self.accounts: dict[str, AccountTrack] = {}
        self.rows = GovernedRows(spool, out)
        self.total: TotalCurve | None = None  # once finished

    def merge(self, other: Recorder) -> None:
        """Another process's accounts (``--jobs``)."""
        self.accounts.update(other.accounts)
        self.rows.absorb(other.rows)

    def finish(self, out: RowSink | None = None) -> TotalCurve:
        """After the last step: settles what waited for the end; ``out`` gets every row
        (if the rows did not already go to it as they were made)."""
        if self.total is None:
            for track in self.accounts.values():
                track.scoring.finish(track.last_ts)
            self.total = self.rows.finish(out)
        return self.total

    def observe(self, event: Event, result: StepResult, state: FederationState) -> None:
        """One step of the replay; steps that did not process their event are ignored."""
        if result.outcome != PROCESSED:
            return
        track = self.accounts.get(event.account_id)
        if track is None:
            track = AccountTrack.new(event.account_id, self.method, self._initial, self._horizon)
            self.accounts[event.account_id] = track
        key = self.multiplier.key(state.accounts[event.account_id].policy)
        after = track.exposure if key == track.exposure_key else self.multiplier.exposure(key)
        track.exposure_key = key
        track.observe(event, result.decisions, after, self.multiplier, self.rows)
