"""The `[ingest]` section: the future-time limit of live ingest, with its default."""

from __future__ import annotations

from pathlib import Path

import pytest

from federation_ai.core import ConfigError
from federation_ai.settings import IngestConfig, load_settings

EXAMPLE = Path(__file__).parents[2] / "examples" / "federation.toml"


def test_the_default_is_five_minutes_and_the_example_file_lists_it():
    assert IngestConfig().max_future_skew_s == 300.0
    assert load_settings(EXAMPLE, environ={}).ingest == IngestConfig()


def test_the_environment_overrides_it():
    settings = load_settings(environ={"FEDERATION_INGEST__MAX_FUTURE_SKEW_S": "30"})
    assert settings.ingest.max_future_skew_s == 30.0


@pytest.mark.parametrize(("values", "words"), [
    ({"max_future_skew_s": 0}, "must be > 0"),
    ({"max_future_skew_s": -5}, "must be > 0"),
    ({"max_future_skew_s": "soon"}, "must be a number"),
    ({"max_past_skew_s": 5}, "unknown key"),
])
def test_bad_values_stop_start_up_naming_the_key(values, words):
    with pytest.raises(ConfigError) as info:
        load_settings(environ={}, overrides={"ingest": values})
    assert "ingest." in str(info.value) and words in str(info.value)


def test_the_limit_is_not_part_of_the_config_digest():
    wide = load_settings(environ={}, overrides={"ingest": {"max_future_skew_s": 9_000}})
    assert wide.core.digest == load_settings(environ={}).core.digest
