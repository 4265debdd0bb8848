"""HTTP adapter backends: POST the update as JSON; GET snapshots. Timeouts and retries."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from federation_ai.adapters.contracts import AdapterError, AdapterKind
from federation_ai.settings import redact_url

RETRY_BASE_S = 0.1
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class HttpBackend:
    """POSTs each update to ``url``; retries transport errors and 5xx with backoff."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        retries: int = 3,
        base_delay_s: float = RETRY_BASE_S,
    ) -> None:
        if not url:
            raise ValueError("an HTTP adapter needs a URL")
        self._client = client
        self._url = url
        self._retries = max(0, retries)
        self._base = base_delay_s
        self.description = f"http {redact_url(url)}"

    async def write(self, kind: AdapterKind, update: dict[str, Any]) -> None:
        last = ""
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(self._base * 2 ** (attempt - 1))
            try:
                response = await self._client.post(self._url, json=update)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.is_success:
                return
            last = f"HTTP {response.status_code}"
            if response.status_code not in _RETRY_STATUS:
                break
        raise AdapterError(f"{kind.name}: POST {redact_url(self._url)} failed: {last}")

    async def close(self) -> None:
        """The client is shared and closed by its owner."""


class HttpSnapshots:
    """GETs ``url``: one SPEC §2 envelope, a list of them, or a bare snapshot payload."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        if not url:
            raise ValueError("the HTTP portfolio adapter needs a URL")
        self._client = client
        self._url = url
        self.description = f"http {redact_url(url)}"

    async def latest(self) -> list[dict[str, Any]]:
        try:
            response = await self._client.get(self._url)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AdapterError(f"portfolio: GET {redact_url(self._url)} failed: {exc}") from exc
        items = body if isinstance(body, list) else [body]
        return [as_envelope(item) for item in items if isinstance(item, dict)]

    async def close(self) -> None:
        """The client is shared and closed by its owner."""


def as_envelope(item: dict[str, Any]) -> dict[str, Any]:
    if "payload" in item:
        return {"event_type": "portfolio.snapshot_updated", **item}
    payload = {k: v for k, v in item.items() if k not in ("event_id", "account_id", "timestamp")}
    timestamp = item.get("timestamp")
    return {
        "event_type": "portfolio.snapshot_updated",
        "event_id": item.get("event_id") or f"portfolio-startup-{timestamp}",
        "account_id": item.get("account_id"),
        "timestamp": timestamp,
        "payload": payload,
    }
