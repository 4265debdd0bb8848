"""The dashboard shows early warnings in the limit bars and the message area."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import open_dashboard, start_server, stop_server

pytestmark = [pytest.mark.browser]


def test_an_early_warning_marks_its_bar_and_gets_a_message(page, tmp_path):
    server = start_server(tmp_path)
    try:
        server.snapshot(10_000.0)
        for _ in range(4):  # one short of the 5 that freeze
            server.event("trade.closed", {"symbol": "BTCUSDT", "pnl_usd": -5.0,
                                          "model_name": "xgboost"})  # fmt: skip
        open_dashboard(page, server, "viewer")
        bar = page.locator("#limit-losses")
        expect(bar).to_have_attribute("data-warning", "active", timeout=15_000)
        expect(bar).to_contain_text("EARLY WARNING")
        expect(page.locator("#limit-drawdown")).not_to_have_attribute("data-warning", "active")
        message = page.locator("#messages .msg-warn")
        expect(message).to_have_count(1)
        expect(message).to_contain_text(
            "Early warning for default: 4 losing trades in a row (freeze at 5)"
        )
        assert server.get("/status")["early_warnings"]["active"] == {
            "default": ["consecutive_losses"]
        }
    finally:
        stop_server(server)


def test_stale_data_gets_a_message(page, tmp_path, monkeypatch):
    monkeypatch.setenv("FEDERATION_WATCHDOG__STALE_AFTER_S", "1")
    monkeypatch.setenv("FEDERATION_WATCHDOG__CHECK_EVERY_S", "0.2")
    server = start_server(tmp_path)
    try:
        server.snapshot(10_000.0)
        open_dashboard(page, server, "viewer")
        message = page.locator("#messages .msg-warn")
        expect(message).to_contain_text(
            "Stale data: no new portfolio snapshot of default for 1 s.", timeout=15_000
        )
        assert server.get("/status")["watchdog"]["stale_accounts"] == ["default"]
    finally:
        stop_server(server)
