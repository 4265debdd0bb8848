"""Settings, events and message readers shared by the service-level alert tests."""

from __future__ import annotations

import email
from email import policy
from typing import Any

from federation_ai.alerts.webhook import SIGNATURE_HEADER, verify
from federation_ai.settings import load_settings

from .receivers import wait_until

WEBHOOK_SECRET = "whsec-0123456789abcdef"
SECRETS = ("jsonpw-s3cr3t", "mmtoken-s3cr3t", "qk-s3cr3t", WEBHOOK_SECRET)


def urls(http, smtp=None) -> list[str]:
    out = [
        f"json://alerts:jsonpw-s3cr3t@{http.url('/json')}",
        f"ops=mmost://{http.url('/mmtoken-s3cr3t')}",
        f"webhook+http://{http.url('/signed')}?key=qk-s3cr3t",
    ]
    if smtp is not None:
        out.append(f"mailto://127.0.0.1:{smtp.port}?to=ops@example.com&from=fed@example.com")
    return out


def alert_settings(tmp_path, channels: list[str], **alerts: Any):
    return load_settings(
        environ={},
        overrides={
            "service": {"data_dir": str(tmp_path)},
            "alerts": {
                "urls": channels,
                "webhook_secret": WEBHOOK_SECRET,
                "group_s": 0.3,
                "backoff_s": 0.1,
                "max_backoff_s": 0.4,
                "send_timeout_s": 5.0,
                "severity": {"early_warning": "off"},  # a freeze: 3 happenings, no warnings
                **alerts,
            },
        },
    )


def snapshot(account: str, n: int, equity: float) -> dict[str, Any]:
    return {
        "event_type": "portfolio.snapshot_updated",
        "event_id": f"{account}-s{n}",
        "account_id": account,
        "timestamp": f"2024-01-01T10:{n:02d}:00Z",
        "payload": {"total_equity": equity},
    }


async def freeze(svc, account: str) -> None:
    """Two snapshots: the second one 15 % down freezes the account."""
    await svc.ingest(snapshot(account, 1, 10_000.0))
    await svc.ingest(snapshot(account, 2, 8_500.0))


def webhook_bodies(http) -> list[dict[str, Any]]:
    """The signed webhook's messages; every signature checked."""
    out = []
    for post in http.at("/signed"):
        assert verify(post.body, WEBHOOK_SECRET, post.headers[SIGNATURE_HEADER])
        out.append(post.json())
    return out


async def until_channels(svc, holds, what: str) -> None:
    """Until ``holds(channel)`` for every channel of the service's alert status."""
    await wait_until(lambda: all(holds(c) for c in svc.status()["alerts"]["channels"]), what=what)


def mail_text(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=policy.default)
    part = msg.get_body(preferencelist=("plain",))
    return f"{msg['Subject']}\n{part.get_content() if part else ''}"


def all_received(http, smtp=None) -> dict[str, int]:
    counts = {
        "json": len(http.at("/json")),
        "mmost": len(http.at("/hooks/")),
        "webhook": len(http.at("/signed")),
    }
    if smtp is not None:
        counts["mail"] = len(smtp.messages)
    return counts
