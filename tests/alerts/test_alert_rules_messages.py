"""Rules, routing, grouping, the webhook signature, the watch's episodes and settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from federation_ai.alerts.alert_watch import AlertWatch
from federation_ai.alerts.alerts_settings import AlertsConfig
from federation_ai.alerts.channels import build_channels
from federation_ai.alerts.happenings import Happening
from federation_ai.alerts.messages import group
from federation_ai.alerts.router import AlertRouter
from federation_ai.alerts.rules import effective_rules
from federation_ai.alerts.webhook import signature, verify
from federation_ai.core import parse_event
from federation_ai.core.core_config import ConfigError
from federation_ai.settings import load_settings

US = 1_000_000


def h(kind: str, account: str | None = "acc", hid: str | None = None) -> Happening:
    return Happening(hid or f"{kind}-{account}", kind, account, f"{account} {kind}", "t")


def test_rules_default_override_off_and_route_by_tag():
    cfg = AlertsConfig(
        severity={"veto": "critical", "early_warning": "off"},
        routes={"veto": ("oncall",)},
    )
    rules = effective_rules(cfg)
    assert "early_warning" not in rules
    assert rules["veto"].severity == "critical" and rules["freeze"].severity == "critical"
    assert rules["unfreeze"].severity == "warning"
    channels = build_channels(
        ["json://127.0.0.1:9/a", "oncall=json://127.0.0.1:9/b"], secret="", timeout_s=1
    )
    rows = AlertRouter(cfg, channels).rows([h("veto"), h("freeze"), h("early_warning")])
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row.payload["kind"], []).append(row.kind)
    assert by_kind == {
        "veto": [channels[1].kind],  # only the channel tagged oncall
        "freeze": [channels[0].kind, channels[1].kind],
    }
    assert all(r.next_attempt_at is not None for r in rows)  # due after group_s


def test_a_storm_is_one_message_naming_every_account():
    happenings = [
        {**h("freeze", f"a{i}").to_dict(), "severity": "critical"} for i in range(3)
    ] + [{**h("veto", "a0").to_dict(), "severity": "warning"}]
    message = group(happenings)
    assert message.severity == "critical"
    assert message.title.endswith("4 happenings: 3 freeze, 1 veto")
    assert "freeze (3) on 3 accounts: a0, a1, a2" in message.body
    assert message.delivery_id == group(list(reversed(happenings))).delivery_id
    single = group(happenings[:1])
    assert single.title == "[CRITICAL] Federation AI: freeze: a0 freeze"


def test_the_webhook_signature_is_hmac_sha256_of_the_raw_body():
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert signature(b"what do ya want for nothing?", "Jefe") == f"sha256={expected}"
    assert verify(b"body", "k", signature(b"body", "k"))
    assert not verify(b"body!", "k", signature(b"body", "k"))


def test_an_episode_is_one_happening_with_a_stable_id():
    watch = AlertWatch(AlertsConfig(adapter_failing_s=60, bus_lag_s=30))
    look = lambda now, failures, lag, stale: watch.observe(  # noqa: E731
        now * US, adapter_failures={"ess": failures}, bus_lag=lag, stale_accounts=stale
    )
    assert look(0, 1, 5, []) == []
    assert look(29, 2, 5, []) == []
    (lag,) = look(30, 3, 5, ["acc"])[:1]
    assert lag.kind == "bus_lag"
    ids = {x.happening_id for x in look(61, 4, 5, ["acc"])}
    assert ids == {
        "adapter:ess:1970-01-01T00:00:00Z",
        "bus:lag:1970-01-01T00:00:00Z",
        "stale:acc:1970-01-01T00:00:30Z",
    }
    assert {x.happening_id for x in look(90, 5, 5, ["acc"])} == ids  # same episode, same ids
    look(91, 0, 0, [])  # all over
    assert {x.happening_id for x in look(200, 1, 1, ["acc"])} == {"stale:acc:1970-01-01T00:03:20Z"}


def test_urls_come_from_the_environment_as_a_json_array():
    env = {
        "FEDERATION_ALERTS__URLS": '["json://127.0.0.1:9/x", "ops=mailto://127.0.0.1:25?to=a@b.c"]',
        "FEDERATION_ALERTS__WEBHOOK_SECRET": "s3",
        "FEDERATION_ALERTS__GROUP_S": "5",
    }
    cfg = load_settings(environ=env).alerts
    assert cfg.urls == ("json://127.0.0.1:9/x", "ops=mailto://127.0.0.1:25?to=a@b.c")
    assert cfg.webhook_secret == "s3" and cfg.group_s == 5.0
    assert "s3" not in repr(cfg) and "127.0.0.1" not in repr(cfg)


@pytest.mark.parametrize(
    ("alerts", "key"),
    [
        ({"severity": {"freeze": "loud"}}, "alerts.severity.freeze"),
        ({"severity": {"frieze": "info"}}, "alerts.severity.frieze"),
        ({"routes": {"nope": ["all"]}}, "alerts.routes.nope"),
        ({"group_s": 0}, "alerts.group_s"),
        ({"urls": ["not a url"]}, "alerts.urls[0]"),
    ],
)
def test_bad_alert_settings_name_the_key(alerts, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        load_settings(environ={}, overrides={"alerts": alerts})


def test_a_webhook_without_a_secret_or_an_unknown_scheme_is_refused():
    with pytest.raises(ConfigError, match=r"alerts\.webhook_secret"):
        build_channels(["webhook+https://example.com/h"], secret="", timeout_s=1)
    with pytest.raises(ConfigError, match=r"alerts.urls\[0\]"):
        build_channels(["nosuchscheme://token@host"], secret="", timeout_s=1)


def test_the_example_file_lists_the_alert_defaults():
    example = Path(__file__).parents[2] / "examples" / "federation.toml"
    cfg = load_settings(example, environ={}).alerts
    assert effective_rules(cfg) == effective_rules(AlertsConfig())
    assert cfg == AlertsConfig(severity=cfg.severity)  # every other key at its default


def test_a_decision_that_cannot_be_read_costs_its_alert_not_the_batch():
    channels = build_channels(["json://127.0.0.1:9/a"], secret="", timeout_s=1)
    router = AlertRouter(AlertsConfig(), channels)
    event = parse_event({"event_type": "portfolio.snapshot_updated", "event_id": "e",
                         "account_id": "acc", "timestamp": "2024-01-01T10:00:00Z",
                         "payload": {"total_equity": 1.0}})  # fmt: skip
    assert router.for_step(event, [{"status": "applied"}], []) == []
    good = {"decision_id": "d", "account_id": "acc", "decision_type": "freeze",
            "role_source": "supervisor", "priority": 1, "timestamp": "t", "reason": "r",
            "payload": {"triggers": ["drawdown"]}, "status": "applied"}  # fmt: skip
    assert [r.decision_id for r in router.for_step(event, [good], [])] == ["d"]
