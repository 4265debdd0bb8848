"""``federation keys create|list|revoke``: API keys for the REST API.

Only the SHA-256 digest of a key is stored; ``create`` prints the key once.
"""

from __future__ import annotations

import asyncio
import sys
import unicodedata
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from federation_ai.cli.common import database_url
from federation_ai.settings import redact_url

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from federation_ai.store import Store

H_DB = "database URL (default: from the config)"
H_CONFIG = "TOML config file"
SCOPES = ("viewer", "operator", "admin")


def shown(text: str) -> str:
    """``text`` on one line as typed: control, format (bidi) and separator characters
    and the backslash are escaped, so a stored name can draw no fake row."""
    from federation_ai.store.apikeys import HIDDEN_CATEGORIES  # noqa: PLC0415 - store is lazy

    hidden = {"\\"}.union(c for c in text if unicodedata.category(c) in HIDDEN_CATEGORIES)
    return "".join(c.encode("unicode_escape").decode("ascii") if c in hidden else c for c in text)


def _database_url(db: str | None, config: Path | None) -> str:
    return database_url(db, config)


def _with_store(url: str, work: Callable[[Store], Awaitable[Any]]) -> Any:
    from federation_ai.store import Store  # noqa: PLC0415

    async def run() -> Any:
        store = await Store.open(url)
        try:
            if store.dialect == "sqlite":
                await store.upgrade()
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except (OSError, RuntimeError) as exc:
        print(f"error: {redact_url(url)}: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    keys_app = typer.Typer(help="API keys (viewer < operator < admin).", no_args_is_help=True)
    app.add_typer(keys_app, name="keys")

    @keys_app.command("create")
    def create(
        name: Annotated[str, typer.Argument(help="a unique name; it appears in the audit trail")],
        scope: Annotated[str, typer.Option("--scope", help="viewer, operator or admin")],
        db: Annotated[str | None, typer.Option("--db", help=H_DB)] = None,
        config: Annotated[Path | None, typer.Option("--config", help=H_CONFIG)] = None,
    ) -> None:
        """Create a key and print it once (it cannot be shown again)."""
        from federation_ai.api.security import generate_key, hash_key  # noqa: PLC0415
        from federation_ai.store import KeyExists  # noqa: PLC0415
        from federation_ai.store.apikeys import name_problem  # noqa: PLC0415

        if scope not in SCOPES:
            print(f"error: --scope must be one of {', '.join(SCOPES)}", file=sys.stderr)
            raise typer.Exit(2)
        problem = name_problem(name)
        if problem is not None:
            print(f"error: {problem}: '{shown(name)}'", file=sys.stderr)
            raise typer.Exit(2)
        key = generate_key()
        url = _database_url(db, config)
        try:
            _with_store(url, lambda store: store.add_api_key(name, scope, hash_key(key)))
        except KeyExists as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(1) from None
        print(key)
        print(
            f"created {scope} key '{shown(name)}'; store it now, it is not shown again",
            file=sys.stderr,
        )

    @keys_app.command("list")
    def list_keys(
        db: Annotated[str | None, typer.Option("--db", help=H_DB)] = None,
        config: Annotated[Path | None, typer.Option("--config", help=H_CONFIG)] = None,
    ) -> None:
        """Names, scopes and state of the stored keys (never the keys)."""
        records = _with_store(_database_url(db, config), lambda store: store.list_api_keys())
        if not records:
            print("no API keys")
            return
        print(f"{'NAME':<24} {'SCOPE':<9} {'CREATED':<26} STATE")
        for r in records:
            state = "revoked" if r.revoked else "active"
            print(f"{shown(r.name):<24} {r.scope:<9} {r.created_at.isoformat():<26} {state}")

    @keys_app.command("revoke")
    def revoke(
        name: Annotated[str, typer.Argument(help="the key's name")],
        db: Annotated[str | None, typer.Option("--db", help=H_DB)] = None,
        config: Annotated[Path | None, typer.Option("--config", help=H_CONFIG)] = None,
    ) -> None:
        """Revoke a key by name (a running API notices within seconds)."""
        found = _with_store(_database_url(db, config), lambda store: store.revoke_api_key(name))
        if not found:
            print(f"error: no API key named '{shown(name)}'", file=sys.stderr)
            raise typer.Exit(1)
        print(f"revoked '{shown(name)}'")
