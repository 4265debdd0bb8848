"""Content of an event (type, time, canonical payload): what makes a duplicate conflicting."""

from __future__ import annotations

import pytest

from federation_ai.core import parse_event
from federation_ai.core.content import conflict_reason

HEALTH = "system.health_updated"


def health(status="HEALTHY", **kw):
    env = {
        "event_type": HEALTH,
        "event_id": "h-1",
        "account_id": "acct-a",
        "timestamp": "2024-03-01T12:00:00Z",
        "payload": {"overall_status": status},
    }
    payload = kw.pop("payload", None)
    env.update(kw)
    if payload is not None:
        env["payload"] = payload
    return env


SNAPSHOT = {
    "event_type": "portfolio.snapshot_updated",
    "event_id": "h-1",
    "account_id": "acct-a",
    "timestamp": "2024-03-01T12:00:00Z",
    "payload": {"total_equity": 100},
}


@pytest.mark.parametrize(
    "again",
    [
        health(),
        health(trace_id="t-9", correlation_id="c-9", source="other-producer"),
        health(timestamp="2024-03-01T12:00:00+00:00"),
        health(timestamp="2024-03-01T14:00:00+02:00"),
        health(payload={"system_status": "HEALTHY"}),  # the alias
        health(payload={"overall_status": "HEALTHY", "note": "unknown fields are not content"}),
    ],
    ids=["same", "transport", "zone-z", "zone-offset", "alias", "unknown-field"],
)
def test_same_content_is_a_plain_duplicate(again):
    assert conflict_reason(parse_event(again), health()) is None


def test_an_integer_and_the_same_float_are_one_number():
    again = {**SNAPSHOT, "payload": {"total_equity": 100.0}}
    assert conflict_reason(parse_event(again), SNAPSHOT) is None


@pytest.mark.parametrize(
    ("again", "changed"),
    [
        (health("CRITICAL"), "payload.overall_status"),
        (health(timestamp="2024-03-01T12:00:01Z"), "timestamp"),
        (health(payload={"overall_status": "HEALTHY", "ess_state": "CRITICAL"}), "payload.ess_state"),
        (SNAPSHOT, "event_type, payload.overall_status, payload.total_equity"),
    ],
    ids=["status", "time", "added-field", "type"],
)
def test_different_content_is_a_conflict_naming_what_differs(again, changed):
    reason = conflict_reason(parse_event(again), health())
    assert reason is not None
    assert reason.startswith("conflicting duplicate: event h-1 of account acct-a")
    assert f"({changed})" in reason


def test_a_logged_event_that_no_longer_validates_is_compared_as_received():
    logged = health(payload={"overall_status": "HEALTHY", "subsystem_scores": "old form"})
    assert conflict_reason(parse_event(health()), logged) is not None
    same = parse_event(health(payload={"overall_status": "HEALTHY"}))
    assert conflict_reason(same, health(payload={"overall_status": "HEALTHY"})) is None
