"""Inputs that answered 500 (and counted as a storage failure): each is now a 4xx with the
field path, writes nothing and leaves the commit-failure counter at zero. Events stamped
too far ahead of the service's clock are refused the same way."""

from __future__ import annotations

import json

import pytest

from .helpers import at, event_count, snapshot

API = "/api/federation"
END_OF_TIME = "9999-12-31T23:59:59Z"
JSON = {"Content-Type": "application/json"}


def nested(levels: int):
    value: object = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def raw_snapshot(event_id: str, total_equity: str, **extra: str) -> str:
    fields = "".join(f', "{k}": {v}' for k, v in extra.items())
    return (
        f'{{"event_type": "portfolio.snapshot_updated", "event_id": "{event_id}", '
        f'"timestamp": "{at(-1)}", "payload": {{"total_equity": {total_equity}{fields}}}}}'
    )


def commit_failures(service) -> float:
    return service.metrics_registry().get_sample_value("federation_commit_failures_total")


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        # an integer beyond float range in a number field (OverflowError)
        (raw_snapshot("h-1", "1" + "0" * 400), ["body", "payload", "total_equity"]),
        (raw_snapshot("h-2", "10", cash_balance="-1" + "0" * 310), ["body", "payload", "cash_balance"]),
        # integers wider than 64 bits anywhere (the commit failed)
        (raw_snapshot("h-3", "10", note=str(2**64)), ["body", "payload", "note"]),
        (raw_snapshot("h-4", "10", num_positions=str(2**70)), ["body", "payload", "num_positions"]),
        (json.dumps({**snapshot("h-5", at(-1), 10.0), "event_id": 2**80}), ["body", "event_id"]),
        (json.dumps({**snapshot("h-6", at(-1), 10.0), "trace_id": -(2**64)}), ["body", "trace_id"]),
        # JSON nested 254 deep (the commit failed)
        (json.dumps(snapshot("h-7", at(-1), 10.0, deep=nested(254))),
         ["body", "payload", "deep", *["a"] * 30]),
        # timestamps out of range after UTC normalisation (OverflowError)
        (json.dumps(snapshot("h-8", "9999-12-31T23:59:59-23:59", 10.0)), ["body", "timestamp"]),
        (json.dumps(snapshot("h-9", "0001-01-01T00:00:00+23:59", 10.0)), ["body", "timestamp"]),
        # strings the database cannot hold
        (json.dumps(snapshot("h-10", at(-1), 10.0, note="a\x00b")), ["body", "payload", "note"]),
        ('{"event_type": "portfolio.snapshot_updated", "event_id": "h-11", "timestamp": "'
         + at(-1) + '", "payload": {"total_equity": 10, "note": "\\ud800"}}', ["body", "payload", "note"]),
        # NaN outside a checked field would be stored as null
        (raw_snapshot("h-12", "10", note="[1, NaN]"), ["body", "payload", "note", 1]),
        # stamped in the future: the account's clock would pass every real event
        (json.dumps(snapshot("h-13", END_OF_TIME, 10.0)), ["body", "timestamp"]),
        (json.dumps(snapshot("h-14", at(24 * 60), 10.0)), ["body", "timestamp"]),
    ],
)
async def test_hostile_events_are_422_with_the_field_path(client, keys, service, account, body, loc):  # noqa: PLR0917
    before, policy = await event_count(service), service.policy("default")
    r = await client.post(f"{API}/events", content=body, headers={**keys.headers("operator"), **JSON})
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [loc]
    assert await event_count(service) == before
    assert service.policy("default") == policy
    assert commit_failures(service) == 0


async def test_deeper_json_than_the_parser_reads_is_a_4xx(client, keys, service, account):
    body = raw_snapshot("h-deep", "10", deep="[" * 20_000 + "]" * 20_000)
    r = await client.post(f"{API}/events", content=body, headers={**keys.headers("operator"), **JSON})
    assert 400 <= r.status_code < 500
    assert commit_failures(service) == 0


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
async def test_decision_bounds_out_of_range_are_422(client, keys, account, name, value):
    r = await client.get(f"{API}/decisions", params={name: value}, headers=keys.headers("viewer"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["query", name]


@pytest.mark.parametrize(
    ("path", "body", "pin"),
    [
        ("/mode", {"mode": "SHADOW", "reason": "x", "duration_minutes": 60}, "mode"),
        ("/mode", {"mode": "SHADOW", "reason": "x", "duration_minutes": 525_600}, "mode"),
        ("/risk", {"max_leverage": 1.0, "reason": "x", "duration_minutes": 60}, "risk_adjustment"),
    ],
)
async def test_a_pin_on_an_account_at_the_end_of_time_ends_at_its_last_instant(  # noqa: PLR0917
    client, keys, service, clock, path, body, pin
):
    """An account whose clock is at 9999-12-31T23:59:59Z (accepted before the future
    limit; the clock here is set so it is accepted again): the pin cannot end after the
    last representable instant, so it ends there."""
    clock.set("9999-12-31T23:58:00Z")
    await service.ingest(snapshot("s-end", END_OF_TIME, 10_000.0))
    r = await client.post(API + path, json=body, headers=keys.headers("operator"))
    assert r.status_code == 200, r.text
    assert [d["status"] for d in r.json()["decisions"]] == ["applied"]
    r = await client.get(f"{API}/policy", headers=keys.headers("viewer"))
    assert r.status_code == 200
    assert r.json()["pinned"][pin]["until"] == "9999-12-31T23:59:59.999999Z"
    assert commit_failures(service) == 0


async def test_pins_longer_than_a_year_are_422(client, keys, account):
    body = {"mode": "SHADOW", "reason": "x", "duration_minutes": 525_601}
    r = await client.post(f"{API}/mode", json=body, headers=keys.headers("operator"))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "duration_minutes"]


@pytest.mark.parametrize(("ahead_s", "status"), [(299, 200), (300, 200), (301, 422)])
async def test_the_future_limit_is_max_future_skew_s(client, keys, service, clock, ahead_s, status):  # noqa: PLR0917
    clock.set("2030-06-01T12:00:00Z")
    stamp = f"2030-06-01T12:{ahead_s // 60:02d}:{ahead_s % 60:02d}Z"
    r = await client.post(f"{API}/events", json=snapshot("f-1", stamp, 10_000.0),
                          headers=keys.headers("operator"))
    assert r.status_code == status, r.text
    if status == 422:
        (error,) = r.json()["detail"]
        assert error["loc"] == ["body", "timestamp"]
        assert "301 s ahead" in error["msg"] and "ingest.max_future_skew_s" in error["msg"]
        assert await event_count(service) == 0
        assert service.policy("default") is None


@pytest.mark.parametrize("settings_overrides", [{"ingest": {"max_future_skew_s": 10}}])
async def test_the_future_limit_is_configurable(client, keys, service, clock, settings_overrides):
    clock.set("2030-06-01T12:00:00Z")
    r = await client.post(f"{API}/events", json=snapshot("f-1", "2030-06-01T12:00:11Z", 10_000.0),
                          headers=keys.headers("operator"))
    assert r.status_code == 422
    r = await client.post(f"{API}/events", json=snapshot("f-2", "2030-06-01T12:00:10Z", 10_000.0),
                          headers=keys.headers("operator"))
    assert r.status_code == 200


async def test_the_reported_attack_no_longer_switches_off_the_supervisor(client, keys, service, account):
    """The issue's reproduction: an event at the end of time, then a real loss of 90 %.
    The first is refused, the second freezes the account."""
    h = keys.headers("operator")
    r = await client.post(f"{API}/events", json=snapshot("evil", END_OF_TIME, 10_000.0), headers=h)
    assert r.status_code == 422
    r = await client.post(f"{API}/events", json=snapshot("real", at(-1), 1_000.0), headers=h)
    assert r.status_code == 200 and r.json()["outcome"] == "processed"
    policy = service.policy("default")
    assert policy["frozen"]["frozen"] is True
    assert policy["mode"] == "EMERGENCY"
