"""The configurations of a sweep: ``--set section.key=v1,v2`` lists and their product."""

from __future__ import annotations

import itertools
import tomllib
from typing import TYPE_CHECKING, Any

from federation_ai.core.core_config import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

Overrides = tuple[tuple[str, Any], ...]  # ((dotted key, value), ...), in --set order


def _literal(key: str, raw: str) -> Any:
    """A TOML literal (number, boolean, quoted string); a bare word is a string."""
    raw = raw.strip()
    if not raw:
        raise ConfigError(key, "empty value in --set")
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def parse_set(text: str) -> tuple[str, list[Any]]:
    """``supervisor.freeze_drawdown=0.08,0.10`` → ``("supervisor.freeze_drawdown",
    [0.08, 0.1])``."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(text, "--set needs section.key=value[,value...]")
    if len(key.split(".")) < 2 or any(not p for p in key.split(".")):
        raise ConfigError(key, "--set key must be section.key")
    return key, [_literal(key, v) for v in values.split(",")]


def grid(sets: Sequence[str]) -> list[Overrides]:
    """Every combination of the ``--set`` lists (the first list varies slowest)."""
    parsed = [parse_set(s) for s in sets]
    keys = [k for k, _ in parsed]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ConfigError(min(dup), "set twice in --set")
    return [
        tuple(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in parsed))
    ]


def nested(overrides: Overrides) -> dict[str, dict[str, Any]]:
    """``(("cro.tier_factors", …),)`` → ``{"cro": {"tier_factors": …}}`` for ``load_settings``."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in overrides:
        section, *path = key.split(".")
        node = out.setdefault(section, {})
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out


def label(overrides: Overrides) -> str:
    return " ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in overrides)
