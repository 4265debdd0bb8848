"""Field-wise sums of the records the replay and the report add up (per job, per account)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any


def add_into(total: Any, part: Any) -> None:
    """Add ``part``'s numbers and counters to ``total``'s, field by field (both the same
    dataclass); its other fields (lists, nested records) are the caller's to combine."""
    for f in dataclasses.fields(total):
        mine, theirs = getattr(total, f.name), getattr(part, f.name)
        if isinstance(mine, Counter):
            mine.update(theirs)
        elif isinstance(mine, int | float) and not isinstance(mine, bool):
            setattr(total, f.name, mine + theirs)
