"""FailureThrottle: holds a client after `limit` failures in a window; bounded; own clock."""

from __future__ import annotations

import pytest

from federation_ai.api.auth_throttle import FailureThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# (failure times, time asked, expected retry_after)
CASES = [
    ([], 0.0, None),
    ([0.0, 1.0], 2.0, None),  # under the limit
    ([0.0, 1.0, 2.0], 2.0, 60),  # the third failure holds for the window
    ([0.0, 1.0, 2.0], 61.5, 1),  # rounded up to whole seconds
    ([0.0, 1.0, 2.0], 62.0, None),  # the hold is over
    ([0.0, 1.0, 61.0], 61.0, None),  # failures older than the window are forgotten
    ([0.0, 1.0, 2.0, 3.0, 4.0], 30.0, 32),  # failures while held do not extend the hold
]


@pytest.mark.parametrize(("failures", "asked", "expected"), CASES)
def test_hold(failures, asked, expected):
    clock = Clock()
    throttle = FailureThrottle(limit=3, window_s=60.0, clock=clock)
    for t in failures:
        clock.now = t
        throttle.failed("c")
    clock.now = asked
    assert throttle.retry_after("c") == expected


def test_failed_says_when_it_starts_a_hold():
    clock = Clock()
    throttle = FailureThrottle(limit=2, window_s=10.0, clock=clock)
    assert [throttle.failed("c") for _ in range(3)] == [False, True, False]
    clock.now = 10.0
    assert throttle.retry_after("c") is None
    assert throttle.failed("c") is False  # a fresh window after the hold


def test_clients_are_counted_apart_and_the_memory_is_bounded():
    clock = Clock()
    throttle = FailureThrottle(limit=2, window_s=10.0, max_clients=100, clock=clock)
    throttle.failed("a")
    for n in range(500):
        throttle.failed(f"spray-{n}")
    assert len(throttle) == 100
    throttle.failed("b")
    throttle.failed("b")
    assert throttle.retry_after("b") == 10
    assert throttle.retry_after("a") is None  # evicted: its one failure is forgotten


def test_rejects_nonsense_settings():
    with pytest.raises(ValueError, match="limit"):
        FailureThrottle(limit=0)
