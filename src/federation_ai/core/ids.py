"""One rule for identifiers and one for names, wherever they come in (bus, HTTP, replay).

* **Ids** (``account_id``, ``event_id``): a JSON string of 1 to ``MAX_ID_LENGTH``
  characters from ``ID_CHARACTERS`` (ASCII letters, digits and ``. _ : @ -``). A number
  is not an id: ``12345`` is refused, ``"12345"`` is the id. Ids end up in storage keys,
  Redis keys, URLs and the dashboard's account selector, so they carry no spaces,
  control, format (bidi) or look-alike characters.
* **Names** (``model_name``, ``symbol``, ``key_name``): a string of 1 to
  ``MAX_NAME_LENGTH`` characters, not blank, every character printable
  (``str.isprintable``: no control, NUL, format or bidi characters, surrogates,
  private-use or unassigned code points, line separators or non-ASCII spaces).

The API applies the same id rule to its query, path and body parameters
(``ID_PATTERN``).
"""

from __future__ import annotations

import re
import string
from typing import Final

MAX_ID_LENGTH: Final = 128
MAX_NAME_LENGTH: Final = 128
ID_CHARACTERS: Final = frozenset(string.ascii_letters + string.digits + "._:@-")
ID_PATTERN: Final = rf"^[A-Za-z0-9._:@-]{{1,{MAX_ID_LENGTH}}}$"
ID_RULE: Final = f"1 to {MAX_ID_LENGTH} characters from A-Z a-z 0-9 . _ : @ -"
_ID_RE: Final = re.compile(rf"[A-Za-z0-9._:@-]{{1,{MAX_ID_LENGTH}}}")


def _char(value: str, index: int) -> str:
    return f"U+{ord(value[index]):04X} at position {index}"


def id_problem(value: object) -> str | None:
    """Why ``value`` is not a valid id, or ``None`` when it is one."""
    if isinstance(value, str) and _ID_RE.fullmatch(value):
        return None
    if value is None:
        return "is required"
    if isinstance(value, bool) or not isinstance(value, str):
        hint = f' (ids are text: send "{value}")' if isinstance(value, int | float) else ""
        return f"must be a string, got {type(value).__name__}{hint}"
    if not value:
        return "must be a non-empty string"
    if len(value) > MAX_ID_LENGTH:
        return f"must be at most {MAX_ID_LENGTH} characters, got {len(value)}"
    bad = next(i for i, c in enumerate(value) if c not in ID_CHARACTERS)
    return f"may contain only A-Z a-z 0-9 . _ : @ - (found {_char(value, bad)})"


def name_problem(value: object) -> str | None:
    """Why ``value`` is not a valid name (model, symbol, key), or ``None``."""
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if len(value) > MAX_NAME_LENGTH:
        return f"must be at most {MAX_NAME_LENGTH} characters, got {len(value)}"
    if not value.isprintable():
        bad = next(i for i, c in enumerate(value) if not c.isprintable())
        found = _char(value, bad)
        return f"must be printable: no control, format or bidi characters (found {found})"
    return None
