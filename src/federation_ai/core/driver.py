"""The one loop that takes events through ``step``: replay, verify and the live pipeline
share it, each with its own bookkeeping around what it yields.

For every item it decodes the envelope (unless the caller has the ``Event`` already),
lets an optional ``gate`` hold the event back unstepped (the pipeline's store-known
duplicates and account limit), steps it, and reports what happened: the event, the
step's result or the reason it is invalid, and the account's clock, mode and profile
just before the step (what the replay's time-in-mode needs). Pure: the caller may pass
a ``clock`` (integer nanoseconds) to have each step timed; the core never reads one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from federation_ai.core.event_codec import Event, InvalidEvent, parse_event
from federation_ai.core.step import StepResult, step

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from federation_ai.core.core_config import CoreConfig
    from federation_ai.core.state import FederationState


class Prior(NamedTuple):
    """The account before the step: its clock, mode and profile (no prior event: none)."""

    ts: int
    mode: str
    profile: str


class Stepped(NamedTuple):
    tag: Any  # the caller's (a line number, a log position)
    event: Event | None  # None when the envelope did not decode
    result: StepResult | None  # None when invalid or held
    error: InvalidEvent | None = None  # why the event is invalid (as input or given the state)
    held: Any = None  # what the gate said instead of stepping
    prior: Prior | None = None
    step_ns: int = 0  # measured by the caller's clock, 0 without one


# An item: (tag, envelope as decoded JSON | Event | InvalidEvent the source already found).
Item = tuple[Any, "dict[str, Any] | Event | InvalidEvent"]


def advance(
    state: FederationState,
    tag: Any,
    item: dict[str, Any] | Event | InvalidEvent,
    config: CoreConfig,
    *,
    gate: Callable[[Event], Any] | None = None,
    clock: Callable[[], int] | None = None,
) -> Stepped:
    """One item through the core; ``state`` changes only when the event is processed."""
    if isinstance(item, InvalidEvent):
        return Stepped(tag, None, None, item)
    event = item
    if not isinstance(event, Event):
        try:
            event = parse_event(event)
        except InvalidEvent as exc:
            return Stepped(tag, None, None, exc)
    if gate is not None:
        held = gate(event)
        if held is not None:
            return Stepped(tag, event, None, held=held)
    acct = state.accounts.get(event.account_id)
    prior = None
    if acct is not None and acct.last_ts is not None:
        policy = acct.policy
        prior = Prior(acct.last_ts, policy.mode, policy.profile)
    try:
        if clock is None:
            return Stepped(tag, event, step(state, event, config), prior=prior)
        started = clock()
        result = step(state, event, config)
        return Stepped(tag, event, result, prior=prior, step_ns=clock() - started)
    except InvalidEvent as exc:  # invalid given the account's history: nothing changed
        return Stepped(tag, event, None, exc, prior=prior)


def drive(
    state: FederationState,
    items: Iterable[Item],
    config: CoreConfig,
    *,
    gate: Callable[[Event], Any] | None = None,
    clock: Callable[[], int] | None = None,
) -> Iterator[Stepped]:
    """``advance`` over ``items`` in order, lazily (the input is streamed, not held)."""
    for tag, item in items:
        yield advance(state, tag, item, config, gate=gate, clock=clock)
