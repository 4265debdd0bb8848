"""What every replay source yields: ``(line, envelope)`` or ``(line, SourceError)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SourceError:
    reason: str


Item = tuple[int, dict[str, Any] | SourceError]
