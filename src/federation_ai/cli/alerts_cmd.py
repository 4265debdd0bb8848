"""``federation alerts test|list``: the configured notification channels.

Channels show without their secrets (the URL's scheme and host, tokens masked).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from federation_ai.cli.common import settings_or_exit
from federation_ai.core import ConfigError

if TYPE_CHECKING:
    from federation_ai.alerts.service_alerts import Alerts

H_CONFIG = "TOML config file (the environment's FEDERATION_ALERTS__* apply too)"


def _alerts(config: Path | None) -> Alerts:
    from federation_ai.alerts.service_alerts import build_alerts  # noqa: PLC0415 - lazy

    settings = settings_or_exit(config)
    try:
        alerts = build_alerts(settings.alerts, None)
    except ConfigError as exc:
        print(f"error: configuration: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    if not alerts.channels:
        print("error: no channel configured (alerts.urls is empty)", file=sys.stderr)
        raise typer.Exit(2)
    return alerts


alerts_app = typer.Typer(help="Notification channels ([alerts]).", no_args_is_help=True)
ConfigOption = Annotated[Path | None, typer.Option("--config", help=H_CONFIG)]


@alerts_app.command("test")
def send_test(config: ConfigOption = None) -> None:
    """Send a test message to every configured channel; exit 1 if any failed."""
    results = asyncio.run(_alerts(config).send_test())
    for channel, error in results:
        outcome = "ok" if error is None else "failed"
        print(f"{outcome:<7} {channel.shown}" + ("" if error is None else f"  ({error})"))
    if any(error is not None for _, error in results):
        raise typer.Exit(1)


@alerts_app.command("list")
def list_channels(config: ConfigOption = None) -> None:
    """The channels (without secrets), their tags, and each kind's rule."""
    alerts = _alerts(config)
    for channel in alerts.channels:
        print(f"{channel.id}  {channel.shown}  tags={','.join(sorted(channel.tags))}")
    for kind, rule in alerts.router.rules.items():
        print(f"{kind:<22} {rule.severity:<9} -> {','.join(sorted(rule.tags))}")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
