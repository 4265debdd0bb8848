"""The generic JSON webhook: a POST signed with HMAC-SHA256 over the raw body.

``webhook+https://host/path`` posts to ``https://host/path`` with the headers
``X-Federation-Signature: sha256=<hex>`` (the key: ``alerts.webhook_secret``) and
``X-Federation-Delivery`` (a hash of the happening ids it carries: a retry of the same
happenings has the same one, so a receiver can drop a repeat; each happening also
carries its own ``happening_id``). Any 2xx answer is delivered; anything else is
retried.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import httpx
import orjson

from federation_ai.alerts.redaction import WEBHOOK_PREFIX, SendError, scrub

if TYPE_CHECKING:
    from federation_ai.alerts.messages import Message

SIGNATURE_HEADER: Final = "X-Federation-Signature"
DELIVERY_HEADER: Final = "X-Federation-Delivery"


def signature(body: bytes, secret: str) -> str:
    """The header value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str) -> bool:
    """For receivers (and tests): does ``header`` sign ``body`` with ``secret``?"""
    return hmac.compare_digest(signature(body, secret), header)


class WebhookSender:
    def __init__(self, url: str, secret: str, timeout_s: float) -> None:
        target = url.removeprefix(WEBHOOK_PREFIX)
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("webhook+ must be followed by an http:// or https:// URL")
        self._target = target
        self._secret = secret
        self._timeout_s = timeout_s

    def __repr__(self) -> str:
        return "WebhookSender(<url not shown>)"

    async def send(self, message: Message) -> None:
        body = orjson.dumps(message.as_json())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(body, self._secret),
            DELIVERY_HEADER: message.delivery_id,
        }
        try:
            async with httpx.AsyncClient(timeout=self._timeout_s) as client:
                answer = await client.post(self._target, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SendError(scrub(f"{type(exc).__name__}: {exc}", self._target)) from None
        if not answer.is_success:
            raise SendError(f"the webhook answered HTTP {answer.status_code}")
