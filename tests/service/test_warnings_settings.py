"""The ``[warnings]`` section: loaded from the file and the environment, bad values named."""

from __future__ import annotations

import pytest

from federation_ai.core.core_config import ConfigError
from federation_ai.settings import load_settings


def test_warnings_section_from_the_environment():
    s = load_settings(environ={"FEDERATION_WARNINGS__DRAWDOWN_FRACTION": "0.5"})
    assert s.warnings.drawdown_fraction == 0.5
    assert s.warnings.equity_ratio == 1.25


def test_warnings_do_not_change_the_core_digest():
    assert (
        load_settings(environ={"FEDERATION_WARNINGS__ENABLED": "false"}).core.digest
        == load_settings(environ={}).core.digest
    )


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [("equity_ratio", "0.5", "must be >= 1"), ("nope", "1", "unknown key")],
)
def test_bad_warnings_settings_are_named(key, value, reason):
    with pytest.raises(ConfigError) as info:
        load_settings(environ={f"FEDERATION_WARNINGS__{key.upper()}": value})
    assert info.value.key == f"warnings.{key}"
    assert reason in info.value.reason
