"""Channels: where messages go, configured by URL, known by an id that hides the URL.

A channel's id is a hash of its URL and what it shows (``repr``, logs, status) is the
URL without its secrets: Apprise's own privacy form without the query string, or for
the webhook scheme, host and port only. Tags come before the URL as in Apprise's
text files: ``"oncall,ops=mailtos://..."``; every channel also has the tag "all".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from federation_ai.alerts.redaction import WEBHOOK_PREFIX, SendError, channel_id, scrub
from federation_ai.alerts.rules import ALL
from federation_ai.alerts.webhook import WebhookSender
from federation_ai.core.core_config import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from federation_ai.alerts.messages import Message

_TAGGED = re.compile(r"^([A-Za-z0-9_, -]+)=(?=[A-Za-z][A-Za-z0-9+.-]*://)")
_NOTIFY_TYPE = {"critical": "failure", "warning": "warning", "info": "info"}  # Apprise's types


def _apprise() -> Any:
    """Apprise, imported when a channel is built (its import takes a third of a second)."""
    import apprise  # noqa: PLC0415

    return apprise


class Sender(Protocol):
    async def send(self, message: Message) -> None: ...


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    shown: str  # the URL without secrets
    tags: frozenset[str]
    sender: Sender = field(repr=False, compare=False)
    url: str = field(repr=False, compare=False)

    @property
    def kind(self) -> str:
        """The outbox kind of this channel's rows."""
        return f"alert:{self.id}"

    def __str__(self) -> str:
        return self.shown


class AppriseSender:
    def __init__(self, url: str, timeout_s: float) -> None:
        self._url = url
        self._lib = _apprise()
        self._apprise = self._lib.Apprise()
        self._timeout_s = timeout_s
        if not self._apprise.add(url):
            raise ValueError("Apprise does not know this URL")

    def __repr__(self) -> str:
        return "AppriseSender(<url not shown>)"

    async def send(self, message: Message) -> None:
        logs: list[str] = []

        def keep(entry: object, *_: object) -> None:
            level = str(getattr(entry, "level", ""))
            if "WARN" in level or "ERROR" in level:
                logs.append(str(getattr(entry, "message", "")))

        result = await self._apprise.async_notify(
            body=message.body,
            title=message.title,
            notify_type=self._lib.NotifyType(_NOTIFY_TYPE.get(message.severity, "info")),
            timeout=self._timeout_s,
            log_callback=keep,
        )
        if not result:
            reason = logs[-1] if logs else f"not delivered ({result.status})"
            raise SendError(scrub(reason, self._url))


def _apprise_shown(url: str) -> str:
    plugin = _apprise().Apprise.instantiate(url)
    if not plugin:
        return urlsplit(url).scheme + "://"
    shown = plugin.url(privacy=True)
    return str(shown).split("?", 1)[0]


def _webhook_shown(url: str) -> str:
    parts = urlsplit(url.removeprefix(WEBHOOK_PREFIX))
    port = f":{parts.port}" if parts.port else ""
    return f"{WEBHOOK_PREFIX}{parts.scheme}://{parts.hostname}{port}/"


def build_channel(entry: str, *, secret: str, timeout_s: float, where: str) -> Channel:
    """One channel from an ``urls`` entry; ConfigError (without the URL) if unusable."""
    tags = {ALL}
    match = _TAGGED.match(entry)
    url = entry
    if match is not None:
        tags |= {t.strip() for t in match.group(1).split(",") if t.strip()}
        url = entry[match.end() :]
    scheme = urlsplit(url).scheme
    sender: Sender
    if url.startswith(WEBHOOK_PREFIX):
        if not secret:
            raise ConfigError("alerts.webhook_secret", "a webhook+ URL needs a secret to sign with")
        try:
            sender = WebhookSender(url, secret, timeout_s)
        except ValueError as exc:
            raise ConfigError(where, f"not a usable {scheme} URL: {exc}") from None
        shown = _webhook_shown(url)
    else:
        try:
            sender = AppriseSender(url, timeout_s)
        except ValueError:
            raise ConfigError(where, f"Apprise does not know this {scheme}:// URL") from None
        shown = _apprise_shown(url)
    return Channel(channel_id(url), shown, frozenset(tags), sender, url)


def build_channels(urls: Sequence[str], *, secret: str, timeout_s: float) -> list[Channel]:
    """The configured channels; the same URL twice is one channel."""
    out: dict[str, Channel] = {}
    for i, entry in enumerate(urls):
        where = f"alerts.urls[{i}]"
        channel = build_channel(entry, secret=secret, timeout_s=timeout_s, where=where)
        out.setdefault(channel.id, channel)
    return list(out.values())
