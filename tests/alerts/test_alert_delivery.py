"""Alerts through the live service to real local receivers (memory bus, SQLite)."""

from __future__ import annotations

import asyncio

from federation_ai.service import build_service

from .receivers import wait_until
from .service_setup import (
    alert_settings,
    all_received,
    freeze,
    mail_text,
    snapshot,
    until_channels,
    urls,
    webhook_bodies,
)

ONE_EACH = {"json": 1, "mmost": 1, "webhook": 1, "mail": 1}


async def test_a_freeze_reaches_every_channel_once_even_after_redelivery_and_restart(
    tmp_path, http, smtp
):
    settings = alert_settings(tmp_path, urls(http, smtp))
    svc = await build_service(settings)
    await svc.start()
    try:
        await freeze(svc, "acc-1")
        await wait_until(lambda: all_received(http, smtp) == ONE_EACH, what="one message each")
        (hook,) = webhook_bodies(http)
        kinds = sorted(h["kind"] for h in hook["happenings"])
        assert kinds == ["emergency_downgrade", "ess_critical", "freeze"]
        assert hook["severity"] == "critical"
        assert "acc-1 frozen: drawdown" in http.at("/json")[0].json()["message"]
        assert "acc-1 frozen" in http.at("/hooks/")[0].json()["text"]
        assert "acc-1 frozen" in mail_text(smtp.messages[0])
        await freeze(svc, "acc-1")  # the same events again: duplicates, nothing new
        await asyncio.sleep(1.0)
    finally:
        await svc.stop()
    svc = await build_service(settings)  # a restart over the same database
    await svc.start()
    try:
        await freeze(svc, "acc-1")
        await asyncio.sleep(1.0)
        assert all_received(http, smtp) == ONE_EACH
        assert all(c["messages_sent"] == 0 for c in svc.status()["alerts"]["channels"])
    finally:
        await svc.stop()


async def test_a_receiver_that_is_down_gets_the_message_after_it_comes_back(tmp_path, http):
    svc = await build_service(alert_settings(tmp_path, urls(http)))
    http.stop()  # every HTTP channel refuses connections
    await svc.start()
    try:
        await freeze(svc, "acc-1")
        await until_channels(svc, lambda c: c["consecutive_failures"] >= 2, "failed sends")
        channel = svc.status()["alerts"]["channels"][0]
        assert not channel["healthy"] and channel["last_error"] and channel["pending"] == 3
        http.start()  # back, on the same port
        await wait_until(
            lambda: all_received(http) == {"json": 1, "mmost": 1, "webhook": 1}, what="delivery"
        )
        await asyncio.sleep(0.5)
        assert all_received(http) == {"json": 1, "mmost": 1, "webhook": 1}
        (hook,) = webhook_bodies(http)
        assert hook["count"] == 3
        await until_channels(svc, lambda c: c["healthy"], "healthy")
    finally:
        await svc.stop()


async def test_a_freeze_storm_over_50_accounts_is_one_message_per_channel(tmp_path, http, smtp):
    svc = await build_service(alert_settings(tmp_path, urls(http, smtp), group_s=3.0))
    await svc.start()
    accounts = [f"acc-{i:02d}" for i in range(50)]
    try:
        for aid in accounts:
            await svc.ingest(snapshot(aid, 1, 10_000.0))
        for aid in accounts:
            await svc.ingest(snapshot(aid, 2, 8_500.0))
        await wait_until(lambda: all_received(http, smtp) == ONE_EACH, what="one message each")
        await asyncio.sleep(0.5)
        assert all_received(http, smtp) == ONE_EACH
    finally:
        await svc.stop()
    (hook,) = webhook_bodies(http)
    frozen = sorted(h["account_id"] for h in hook["happenings"] if h["kind"] == "freeze")
    assert frozen == accounts
    text = http.at("/json")[0].json()
    assert "freeze on 50 accounts" in text["title"] or "150 happenings" in text["title"]
    for body in (text["message"], http.at("/hooks/")[0].json()["text"], mail_text(smtp.messages[0])):
        assert "freeze (50) on 50 accounts: " + ", ".join(accounts) in body


async def test_decisions_commit_while_a_receiver_hangs(tmp_path, http):
    """The webhook's receiver holds its first request; meanwhile 100 more events are
    decided and committed at the usual speed, and the held message still goes out."""
    settings = alert_settings(
        tmp_path, [f"webhook+http://{http.url('/signed')}"], send_timeout_s=60.0
    )
    svc = await build_service(settings)
    await svc.start()
    http.hang.set()
    try:
        await freeze(svc, "first")
        await wait_until(lambda: http.in_flight == 1, what="the receiver to hold a request")
        loop = asyncio.get_running_loop()
        latencies = []
        for i in range(50):
            for n, equity in ((1, 10_000.0), (2, 8_500.0)):
                started = loop.time()
                result = await svc.ingest(snapshot(f"acc-{i:02d}", n, equity))
                latencies.append(loop.time() - started)
                assert result.outcome == "processed"
        assert http.in_flight == 1 and not http.posts  # still held: nothing delivered yet
        assert svc.status()["account_summary"]["frozen"] == 51
        latencies.sort()
        p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
        print(f"decision latency with a hung receiver: p50 {p50 * 1e3:.2f} ms, "
              f"p99 {p99 * 1e3:.2f} ms, max {latencies[-1] * 1e3:.2f} ms over {len(latencies)} events")
        assert latencies[-1] < 5.0  # generous: far below the receiver's hold (60 s)
        http.release()
        await wait_until(lambda: len(webhook_bodies(http)) == 2, what="the held and the next message")
        first, rest = webhook_bodies(http)
        assert first["count"] == 3 and rest["count"] == 150
    finally:
        await svc.stop()
