"""Configuration: defaults, validation naming the key, environment overrides, digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from federation_ai.core import ConfigError, CoreConfig
from federation_ai.interop.interop_settings import InteropConfig
from federation_ai.settings import load_settings


def test_defaults_are_the_spec_numbers():
    c = CoreConfig()
    assert (c.supervisor.freeze_drawdown, c.supervisor.min_freeze_minutes) == (0.10, 60.0)
    assert c.cro.tier_factors == (1.0, 0.75, 0.5, 0.25)
    assert c.ceo.initial_profile == "LOW" and c.ceo.initial_mode == "LIVE"
    assert c.cio.initial_symbols == 5 and c.metrics.win_rate_window == 50


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"cro": {"max_leverag": 2}}, "cro.max_leverag"),
        ({"cro": {"max_leverage": "high"}}, "cro.max_leverage"),
        ({"nonsense": {}}, "nonsense"),
        ({"ceo": {"initial_profile": "HUGE"}}, "ceo.initial_profile"),
        ({"cio": {"initial_symbols": 20}}, "cio.initial_symbols"),
        ({"supervisor": {"unfreeze_mode": "LIVE"}}, "supervisor.unfreeze_mode"),
        ({"metrics": {"min_trades": 1.5}}, "metrics.min_trades"),
        ({"cfo": {"splits": {"balanced": [0.5, 0.5, 0.5]}}}, "cfo.splits"),
    ],
)
def test_invalid_config_names_the_key(data, key):
    with pytest.raises(ConfigError) as info:
        CoreConfig.from_mapping(data)
    assert info.value.key.startswith(key)


def test_digest_changes_with_any_value_and_is_stable():
    a, b = CoreConfig(), CoreConfig()
    assert a.digest == b.digest and a.digest.startswith("sha256:")
    assert CoreConfig.from_mapping({"cro": {"max_leverage": 2.0}}).digest != a.digest


def test_toml_then_environment_overrides(tmp_path):
    path = tmp_path / "federation.toml"
    path.write_text("[cro]\nmax_leverage = 2.0\n[service]\nport = 9000\n")
    s = load_settings(
        path,
        environ={"FEDERATION_CRO__MAX_LEVERAGE": "2.5", "FEDERATION_CIO__MODELS": '["a", "b"]'},
    )
    assert s.core.cro.max_leverage == 2.5
    assert s.core.cio.models == ("a", "b")
    assert s.service.port == 9000


def test_bad_environment_value_names_the_key():
    with pytest.raises(ConfigError, match=r"cro\.max_leverage"):
        load_settings(environ={"FEDERATION_CRO__MAX_LEVERAGE": "lots"})


def test_secrets_are_redacted_in_repr():
    s = load_settings(
        environ={
            "FEDERATION_SERVICE__DB_URL": "postgresql://u:hunter2@db/x",
            "FEDERATION_SERVICE__BUS_URL": "redis://:s3cret@r:6379/0",
        }
    )
    assert "hunter2" not in repr(s) and "s3cret" not in repr(s)


def test_example_file_lists_the_defaults():
    example = Path(__file__).parents[2] / "examples" / "federation.toml"
    settings = load_settings(example, environ={})
    assert settings.core.digest == CoreConfig().digest
    assert settings.interop == InteropConfig()


def test_the_interop_profile_is_off_by_default_and_named_in_the_environment():
    assert not load_settings(environ={}).interop.on
    on = load_settings(environ={"FEDERATION_INTEROP__PROFILE": "quantum_trader"}).interop
    assert on.on and on.enforcing
    with pytest.raises(ConfigError, match=r"interop\.profile"):
        load_settings(environ={"FEDERATION_INTEROP__PROFILE": "other"})
    with pytest.raises(ConfigError, match=r"interop\.ess_states\.X: must be one of"):
        load_settings(environ={}, overrides={"interop": {"ess_states": {"X": "FINE"}}})


@pytest.mark.parametrize("key", ["max_accounts", "max_message_bytes"])
def test_service_limits_below_their_minimum_name_the_key(key):
    with pytest.raises(ConfigError, match=rf"service\.{key}: must be at least"):
        load_settings(environ={}, overrides={"service": {key: 0}})
