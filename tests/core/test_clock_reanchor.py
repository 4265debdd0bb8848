"""The ``reanchor_clock`` operator command: the way out for an account whose clock was
pushed into the future by a mis-stamped event.

It is the one event allowed to move an account's clock back. Its decision is an
``override`` (action ``clock_reanchor``) in the audit trail, and it goes through
``step``, so replaying the event log reproduces it.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation_ai.core import InvalidEvent, parse_event
from federation_ai.core.micros import US_PER_DAY, US_PER_MINUTE, day_of, parse_timestamp

from .scenario import at, health, model, op, run, snap
from .test_properties import PROPS, decide, envelopes, streams

FUTURE_DAY = 365  # the mis-stamped event is a year ahead


def reanchor(minute: int, clock_at: str | None = None, scopes=("operator", "admin")):
    extra = {} if clock_at is None else {"clock_at": clock_at}
    return op("reanchor_clock", minute, scopes=scopes, reason="producer clock was wrong", **extra)


def poisoned(*future_events):
    """Real history, then events stamped a year ahead, then a real event (out of order)."""
    return [snap(10_000.0, 0), snap(10_100.0, 5), *future_events, snap(10_200.0, 10)]


def test_a_poisoned_clock_rejects_real_events_until_it_is_reanchored():
    events = [*poisoned(snap(10_100.0, 0, day=FUTURE_DAY)), reanchor(11), snap(10_300.0, 12)]
    st_, out = run(events)
    acct = st_.accounts["default"]
    (decision,) = out[4]
    assert (decision.role_source, decision.decision_type, decision.status) == (
        "operator", "override", "applied")
    assert decision.payload == {
        "action": "clock_reanchor",
        "previous_clock": at(0, day=FUTURE_DAY),
        "clock": at(11),
    }
    assert "producer clock was wrong" in decision.reason
    assert decision.timestamp == at(11)
    assert acct.last_ts == parse_timestamp(at(12))
    assert acct.last_event_id == events[-1]["event_id"]
    assert acct.metrics.equity == 10_300.0  # the real snapshot after the re-anchor applied


def test_the_clock_goes_to_the_given_time_when_there_is_one():
    st_, _ = run([*poisoned(snap(10_100.0, 0, day=FUTURE_DAY)), reanchor(11, clock_at=at(8))])
    assert st_.accounts["default"].last_ts == parse_timestamp(at(8))
    st_, _ = run([*poisoned(snap(10_100.0, 0, day=FUTURE_DAY)), reanchor(11, clock_at=at(8)),
                  snap(10_000.0, 9)])
    assert st_.accounts["default"].metrics.equity == 10_000.0


@pytest.mark.parametrize(
    ("future", "mark"),
    [
        # a freeze stamped in the future: the minimum freeze time counts from the anchor
        (snap(100.0, 0, day=FUTURE_DAY), lambda a: a.policy.frozen_since),
        # an operator pin set at the future time keeps its length from the anchor
        (op("set_mode", 0, day=FUTURE_DAY, mode="SHADOW", duration_minutes=30),
         lambda a: a.policy.mode_pin.set_at),
        (op("set_mode", 0, day=FUTURE_DAY, mode="SHADOW", duration_minutes=30),
         lambda a: a.policy.mode_pin.until - 30 * US_PER_MINUTE),
        (op("set_risk", 0, day=FUTURE_DAY, max_leverage=1.0, duration_minutes=30),
         lambda a: a.policy.risk_pin.set_at),
        # the rolling max-DD window and model reports
        (snap(9_000.0, 0, day=FUTURE_DAY), lambda a: max(ts for ts, _ in a.metrics.mdd_window)),
        (model("xgboost", 1.0, 0.5, 0, day=FUTURE_DAY),
         lambda a: a.metrics.models["xgboost"].updated_at),
    ],
)
def test_time_marks_after_the_anchor_move_back_to_it(future, mark):
    st_, _ = run([*poisoned(future), reanchor(11)])
    acct = st_.accounts["default"]
    anchor = parse_timestamp(at(11))
    assert acct.last_ts == anchor
    assert mark(acct) == anchor


def test_the_anchor_day_becomes_the_current_trading_day():
    st_, _ = run([*poisoned(snap(10_100.0, 0, day=FUTURE_DAY)), reanchor(11)])
    assert st_.accounts["default"].metrics.day == day_of(parse_timestamp(at(11)))


def test_research_cooldowns_count_from_the_anchor():
    losing_model = [model("xgboost", -1.0, 0.3, 0, day=FUTURE_DAY)]
    st_, _ = run([*poisoned(*losing_model), reanchor(11)])
    issued = st_.accounts["default"].policy.research_last
    assert issued  # the future model report asked for research
    assert max(issued.values()) == parse_timestamp(at(11))


def test_the_day_rolls_again_after_a_reanchor():
    events = [*poisoned(snap(10_100.0, 0, day=FUTURE_DAY)), reanchor(11),
              snap(10_300.0, 12), snap(10_400.0, 0, day=1)]
    st_, _ = run(events)
    before, _ = run(events[:-1])
    assert st_.accounts["default"].metrics.closed_days == before.accounts["default"].metrics.closed_days + 1


def test_other_commands_stamped_before_the_clock_stay_out_of_order():
    st_, out = run([*poisoned(snap(10_100.0, 0, day=FUTURE_DAY)), op("set_mode", 11, mode="PAUSED")])
    assert out[-1] == []
    assert st_.accounts["default"].policy.mode != "PAUSED"


def test_health_after_a_reanchor_is_decided_again():
    events = [*poisoned(snap(10_100.0, 0, day=FUTURE_DAY)), reanchor(11), health("DEGRADED", 12)]
    _, out = run(events)
    assert [(d.role_source, d.decision_type) for d in out[-1]] == [("ceo", "mode_change")]


@pytest.mark.parametrize(
    ("event", "path", "reason"),
    [
        (reanchor(11, scopes=("operator",)), "payload.scopes", "admin"),
        (reanchor(11, clock_at="yesterday"), "payload.clock_at", "RFC 3339"),
        (reanchor(11, clock_at="9999-12-31T23:59:59-23:59"), "payload.clock_at", "range"),
    ],
)
def test_invalid_reanchor_commands(event, path, reason):
    with pytest.raises(InvalidEvent) as info:
        parse_event(event)
    assert info.value.path == path
    assert reason in info.value.reason


def _marks(acct):
    """Every instant the account has recorded; none may be after its clock."""
    m, p = acct.metrics, acct.policy
    out = [ts for ts, _ in m.mdd_window]
    out += [s.updated_at for s in m.models.values()]
    out += list(p.research_last.values())
    out += [pin.set_at for pin in (p.mode_pin, p.risk_pin) if pin is not None]
    if p.frozen_since is not None:
        out.append(p.frozen_since)
    if m.day is not None:
        out.append(m.day * US_PER_DAY)
    return out


@PROPS
@given(
    streams,
    st.integers(0, 119),
    st.integers(0, 119),
    st.one_of(st.none(), st.integers(0, 119)),
)
def test_no_time_mark_is_ever_after_the_account_clock(stream, poison_at, reanchor_at, anchor):
    """With a year-ahead event and a re-anchor (to its own or a given time) mixed into a
    random stream, every recorded instant stays at or before the account's clock, and
    the whole stream replays to the same decisions."""
    events = envelopes(stream)
    n = len(events)
    poison_at = min(poison_at, n)
    reanchor_at = min(max(reanchor_at, poison_at), n)
    future = snap(10_000.0, 0, day=FUTURE_DAY + 30)
    command = reanchor(0)
    command["timestamp"] = events[reanchor_at - 1]["timestamp"] if reanchor_at else at(0)
    if anchor is not None:
        command["payload"]["clock_at"] = events[min(anchor, n - 1)]["timestamp"]
    events.insert(reanchor_at, command)
    events.insert(poison_at, future)
    state, _ = decide([])
    for env in events:
        decide([env], state)
        for acct in state.accounts.values():
            assert all(mark <= acct.last_ts for mark in _marks(acct))
    assert decide(events)[1] == decide(events)[1]
