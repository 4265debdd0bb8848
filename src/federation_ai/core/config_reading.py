"""Reading a configuration section from a plain mapping (TOML, the environment): every
value coerced to its field's type, the offending key named in a ``ConfigError``."""

from __future__ import annotations

import math
import types
import typing
from typing import Any


class ConfigError(ValueError):
    """Invalid configuration; ``key`` is the dotted path of the offending key."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


# Field types, resolved on first use (dataclasses with `from __future__ import
# annotations` keep annotations as strings).
_HINTS: dict[type, dict[str, Any]] = {}


def section_hints(section: type) -> dict[str, Any]:
    if section not in _HINTS:
        _HINTS[section] = typing.get_type_hints(section)
    return _HINTS[section]


def build_section(section: type, values: dict[str, Any], prefix: str) -> Any:
    hints = section_hints(section)
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{prefix}.{key}"
        if key not in hints:
            raise ConfigError(path, f"unknown key (known: {', '.join(hints)})")
        kwargs[key] = _coerce(hints[key], value, path)
    return section(**kwargs)


def _coerce(hint: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, path)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(path, f"must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(path, f"must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(path, f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(path, "must be finite")
        return round(float(value), 9)  # thresholds compare at 9 decimals (SPEC §3)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(path, f"must be a string, got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(path, f"must be a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v, f"{path}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise ConfigError(path, f"must have {len(args)} items, got {len(value)}")
        return tuple(
            _coerce(a, v, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True))
        )
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(path, f"must be a table, got {value!r}")
        return {
            _coerce(args[0], k, path): _coerce(args[1], v, f"{path}.{k}") for k, v in value.items()
        }
    raise ConfigError(path, f"unsupported setting type {hint!r}")  # pragma: no cover
