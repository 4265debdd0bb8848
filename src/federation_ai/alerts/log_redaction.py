"""A logging filter that masks channel secrets in every record, third-party ones too.

Apprise, urllib3 and httpx log request URLs (at DEBUG and INFO); a channel's token
may be part of such a URL. While the service sends alerts the filter sits on every
handler of the root logger and masks the secret parts of the configured URLs and
the webhook key in each record's message.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from federation_ai.alerts.redaction import secret_parts

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

MASK = "***"


class SecretFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __repr__(self) -> str:
        return f"SecretFilter({len(self._secrets)} secrets)"

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = text
        for secret in self._secrets:
            masked = masked.replace(secret, MASK)
        if masked != text:
            record.msg, record.args = masked, ()
        return True


def secrets_of(urls: Iterable[str], webhook_secret: str) -> list[str]:
    return [webhook_secret, *(p for url in urls for p in secret_parts(url))]


def install(secrets: Iterable[str]) -> Callable[[], None]:
    """Put the filter on the root logger's handlers; returns what takes it off."""
    flt = SecretFilter(secrets)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(flt)

    def uninstall() -> None:
        for handler in handlers:
            handler.removeFilter(flt)

    return uninstall
