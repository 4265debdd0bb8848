"""No secret of a channel URL (or the webhook key) shows in logs, status or reprs."""

from __future__ import annotations

import json
import logging

import orjson
import structlog

from federation_ai.alerts.channels import build_channels
from federation_ai.service import build_service

from .service_setup import SECRETS, WEBHOOK_SECRET, alert_settings, freeze, until_channels, urls


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


async def test_no_secret_in_logs_status_or_repr(tmp_path, http, caplog):
    caplog.set_level(logging.DEBUG)  # Apprise's own logger included
    settings = alert_settings(tmp_path, urls(http))
    http.stop()  # failures first: their errors are logged and kept in status
    with structlog.testing.capture_logs() as logs:
        svc = await build_service(settings)
        await svc.start()
        try:
            await freeze(svc, "acc-1")
            await until_channels(svc, lambda c: c["failures"] >= 1, "failures")
            http.start()
            await until_channels(svc, lambda c: c["messages_sent"] == 1, "delivery")
            status = orjson.dumps(svc.status()).decode()  # as the API renders it
            shown = [repr(settings), repr(settings.alerts), repr(svc.alerts), str(svc.alerts.channels)]
        finally:
            await svc.stop()
    events = [e["event"] for e in logs]
    assert "alert_failed" in events and "alert_sent" in events  # the log does speak of them
    assert_clean(json.dumps(logs, default=str))
    assert_clean(caplog.text)
    assert_clean(status)
    for text in shown:
        assert_clean(text)
    assert "127.0.0.1" in status  # the channels are named by host


def test_a_channel_shows_scheme_and_host_only():
    (json_ch, mm, hook) = build_channels(
        [
            "json://alerts:jsonpw-s3cr3t@127.0.0.1:9/json",
            "ops,pager=mmost://127.0.0.1:9/mmtoken-s3cr3t",
            "webhook+https://hooks.example.com/path/qk-s3cr3t?key=qk-s3cr3t",
        ],
        secret=WEBHOOK_SECRET,
        timeout_s=1.0,
    )
    assert json_ch.shown == "json://alerts:****@127.0.0.1:9/json"
    assert mm.shown.startswith("mmost://127.0.0.1:9/")
    assert mm.tags == {"all", "ops", "pager"}
    assert hook.shown == "webhook+https://hooks.example.com/"
    for channel in (json_ch, mm, hook):
        assert_clean(repr(channel) + str(channel) + channel.id + channel.kind)
        assert_clean(repr(channel.sender))
    # the id is the URL's hash: the same URL, the same id (tags aside)
    (again,) = build_channels(["mmost://127.0.0.1:9/mmtoken-s3cr3t"], secret="", timeout_s=1.0)
    assert again.id == mm.id
