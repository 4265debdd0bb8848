"""Keeping secrets out: channel ids from a hash, error texts scrubbed of URL parts."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote, urlsplit

WEBHOOK_PREFIX = "webhook+"


class SendError(Exception):
    """A channel did not take a message; the text never holds the channel's secrets."""


def channel_id(url: str) -> str:
    return "c" + hashlib.sha256(url.encode()).hexdigest()[:12]


def secret_parts(url: str) -> list[str]:
    """The pieces of ``url`` that may be secrets: user, password, path segments and
    query values (scrubbed from any error text before it is kept or logged)."""
    parts = urlsplit(url.removeprefix(WEBHOOK_PREFIX))
    pieces = [parts.username, parts.password, *parts.path.split("/")]
    pieces += [v for _, _, v in (kv.partition("=") for kv in parts.query.split("&"))]
    found = {unquote(p) for p in pieces if p and len(p) > 2}
    found |= {p for p in pieces if p and len(p) > 2}
    return sorted(found, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    for piece in secret_parts(url):
        text = text.replace(piece, "***")
    return text


def describe(exc: BaseException) -> str:
    """One line for logs and status: a send error's own (scrubbed) text, else the type
    and first line (a timeout says so)."""
    if isinstance(exc, TimeoutError):
        return "TimeoutError: no answer in time"
    text = str(exc).strip().splitlines()
    line = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return line[:300]
