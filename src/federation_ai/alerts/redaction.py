"""Keeping secrets out: channel ids from a hash, error texts scrubbed of URL parts."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote, urlsplit

WEBHOOK_PREFIX = "webhook+"


class SendError(Exception):
    """A channel did not take a message; the text never holds the channel's secrets."""


def channel_id(url: str) -> str:
    return "c" + hashlib.sha256(url.encode()).hexdigest()[:12]


TOKEN_LEN = 8  # a path segment or query value this long may be a token


def secret_parts(url: str) -> list[str]:
    """The pieces of ``url`` that may be secrets: the password, and path segments,
    host-like tokens and query values long enough to be tokens (scrubbed from error
    texts and log records; short words such as "json" or "hooks" stay readable)."""
    parts = urlsplit(url.removeprefix(WEBHOOK_PREFIX))
    tokens = [parts.hostname or "", *parts.path.split("/")]
    tokens += [v for _, _, v in (kv.partition("=") for kv in parts.query.split("&"))]
    pieces = [p for p in tokens if len(p) >= TOKEN_LEN and not _address(p)]
    if parts.password:
        pieces.append(parts.password)
    found = {p for p in pieces if p} | {unquote(p) for p in pieces if p}
    return sorted(found, key=len, reverse=True)


def _address(text: str) -> bool:
    """An IP address or a dotted host name: shown, not a token."""
    return "." in text and all(part.isalnum() or "-" in part for part in text.split("."))


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
