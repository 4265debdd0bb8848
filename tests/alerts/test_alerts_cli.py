"""``federation alerts test``: a test message to every channel, ok/failed per channel."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from federation_ai.cli.main import app

from .service_setup import SECRETS, WEBHOOK_SECRET, mail_text, urls, webhook_bodies


def run(env):
    return CliRunner().invoke(app, ["alerts", "test"], env=env)


def test_alerts_test_reaches_every_channel(http, smtp):
    env = {
        "FEDERATION_ALERTS__URLS": json.dumps(urls(http, smtp)),
        "FEDERATION_ALERTS__WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    result = run(env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4 and all(line.startswith("ok ") for line in lines)
    assert "json://alerts:****@127.0.0.1:" in result.output
    assert all(secret not in result.output for secret in SECRETS)
    (hook,) = webhook_bodies(http)  # signature verified
    assert hook["happenings"][0]["kind"] == "test"
    assert "test message" in http.at("/json")[0].json()["message"]
    assert len(http.at("/hooks/")) == 1
    assert "test message" in mail_text(smtp.messages[0])


def test_a_channel_that_is_down_fails_with_exit_1(http):
    env = {
        "FEDERATION_ALERTS__URLS": json.dumps(urls(http)),
        "FEDERATION_ALERTS__WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    http.stop()
    result = run(env)
    assert result.exit_code == 1
    assert [line.split()[0] for line in result.output.splitlines()] == ["failed"] * 3
    assert all(secret not in result.output for secret in SECRETS)


def test_without_channels_it_says_so():
    result = run({"FEDERATION_ALERTS__URLS": "[]"})
    assert result.exit_code == 2
    assert "no channel configured" in result.output
