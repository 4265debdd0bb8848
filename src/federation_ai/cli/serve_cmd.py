"""``federation serve``: the live service (bus consumer, outbox relay, REST API)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from federation_ai.core import ConfigError
from federation_ai.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from federation_ai.service import FederationService
    from federation_ai.settings import Settings

DEMO_KEY_NAME = "demo-admin"
H_CONFIG = "TOML config file"
H_BUS = "event bus: memory:// (default) or redis://host:port/db"
H_DB = "database URL (default: SQLite file in data_dir)"
H_DEMO = "publish a synthetic trading feed through the bus"
H_NAMESPACE = "prefix for every Redis key (bus and adapters)"
H_HEADLESS = "no REST API: consume, decide and relay only"


def _demo_start_us(service: FederationService) -> int:
    """Demo event time starts now, or just after the newest event already stored."""
    now_us = int(datetime.now(UTC).timestamp()) * 1_000_000
    last = [a.last_ts for a in service.pipeline.state.accounts.values() if a.last_ts is not None]
    return max([now_us, *(ts + 60_000_000 for ts in last)])


GC_GEN0_THRESHOLD = 50_000


def settle_heap() -> None:
    """Call once the service has started: fewer collector pauses from then on.

    Long-lived objects loaded at start-up leave the collector's view (``gc.freeze``),
    so full collections no longer walk them, and young collections run less often.
    """
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, 50, 100)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it is, with uvicorn[standard]): a faster event loop."""
    try:
        import uvloop  # noqa: PLC0415 - optional accelerator
    except ImportError:  # pragma: no cover
        return None
    return uvloop.new_event_loop


async def _serve(settings: Settings, *, demo: bool, namespace: str, headless: bool) -> None:
    import structlog  # noqa: PLC0415 - configured by the caller first

    from federation_ai.service import build_service  # noqa: PLC0415
    from federation_ai.service.demo import run_demo  # noqa: PLC0415

    log = structlog.get_logger("federation_ai.serve")
    service = await build_service(settings, namespace=namespace)
    await service.start()
    settle_heap()
    tasks: list[asyncio.Task[Any]] = []
    try:
        keys = []
        if demo:
            tasks.append(asyncio.create_task(run_demo(service.bus, _demo_start_us(service))))
            keys = _demo_keys()
        if headless:
            await _wait_for_signal()
        else:
            await _run_api(service, settings, keys)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await service.stop()
        log.info("serve_stopped")


def _demo_keys() -> list[Any]:
    from federation_ai.api.security import BootstrapKey  # noqa: PLC0415

    key = secrets.token_urlsafe(24)
    print(  # a one-off key for this process only: shown to the user, never logged
        f"demo: API key (admin, valid while this process runs): {key}", file=sys.stderr
    )
    return [BootstrapKey.from_key(DEMO_KEY_NAME, "admin", key)]


async def _run_api(service: FederationService, settings: Settings, keys: list[Any]) -> None:
    import uvicorn  # noqa: PLC0415

    from federation_ai.api.app import create_app  # noqa: PLC0415 - the API is optional to import

    app = create_app(service, bootstrap_keys=keys)
    cfg = settings.service
    server = uvicorn.Server(
        uvicorn.Config(app, host=cfg.host, port=cfg.port, log_config=None, access_log=False)
    )
    await server.serve()


async def _wait_for_signal() -> None:
    import signal  # noqa: PLC0415

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        config: Annotated[Path | None, typer.Option("--config", help=H_CONFIG)] = None,
        bus: Annotated[str | None, typer.Option("--bus", help=H_BUS)] = None,
        db: Annotated[str | None, typer.Option("--db", help=H_DB)] = None,
        host: Annotated[str | None, typer.Option("--host", help="HTTP listen address")] = None,
        port: Annotated[int | None, typer.Option("--port", help="HTTP port")] = None,
        demo: Annotated[bool, typer.Option("--demo", help=H_DEMO)] = False,
        namespace: Annotated[str, typer.Option("--namespace", help=H_NAMESPACE)] = "",
        headless: Annotated[bool, typer.Option("--headless", help=H_HEADLESS)] = False,
    ) -> None:
        """Run the live service: consume the bus, decide, persist, publish, serve the API."""
        given = {"bus_url": bus, "db_url": db, "host": host, "port": port}
        overrides = {"service": {k: v for k, v in given.items() if v is not None}}
        try:
            settings = load_settings(config, overrides=overrides)
        except ConfigError as exc:
            print(f"error: configuration: {exc}", file=sys.stderr)
            raise typer.Exit(2) from None
        from federation_ai.service.logs import configure_logging  # noqa: PLC0415

        configure_logging(settings.service.log_level)
        try:
            with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
                runner.run(_serve(settings, demo=demo, namespace=namespace, headless=headless))
        except KeyboardInterrupt:
            pass
        except Exception as exc:  # noqa: BLE001 - one line for the known kinds; others re-raise
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            raise typer.Exit(1) from None


def _one_line(exc: Exception) -> str:
    """Why start-up failed, in one line: a store or bus that cannot answer or write
    (e.g. a read-only SQLite file, named), a bad setting; anything else re-raises."""
    from federation_ai.service.faults import describe_error, is_outage  # noqa: PLC0415

    if isinstance(exc, ConfigError | RuntimeError | ValueError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if is_outage(exc):
        return describe_error(exc)
    raise exc
