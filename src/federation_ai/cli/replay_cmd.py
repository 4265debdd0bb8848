"""``federation replay``: run recorded history through the decision core."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def replay() -> None:
        """Replay recorded history (placeholder)."""
        raise typer.Exit(1)
