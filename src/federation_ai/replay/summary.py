"""A readable summary of a replay: decisions by role, type and status; time in modes; freezes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from federation_ai.core.micros import US_PER_SECOND

if TYPE_CHECKING:
    from collections import Counter

    from rich.console import Console

    from federation_ai.replay.replay_run import ReplayStats


def _duration(us: int) -> str:
    seconds = us // US_PER_SECOND
    days, rem = divmod(seconds, 86_400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    return f"{days}d {hours:02d}h {minutes:02d}m"


def _share_table(title: str, what: str, counter: Counter[str]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(what)
    table.add_column("time", justify="right")
    table.add_column("share", justify="right")
    total = sum(counter.values()) or 1
    for key, us in counter.most_common():
        table.add_row(key, _duration(us), f"{us / total:.1%}")
    return table


def render(stats: ReplayStats, console: Console, elapsed_s: float | None = None) -> None:
    head = (
        f"{stats.lines} lines: {stats.processed} events processed, {stats.duplicates} duplicates, "
        f"{stats.out_of_order} out of order, {stats.invalid} invalid; {stats.accounts} account(s)"
    )
    if elapsed_s:
        head += f"; {stats.lines / elapsed_s:,.0f} events/s"
    console.print(head, soft_wrap=True)
    for line, text in stats.notes[:20]:
        console.print(
            f"  line {line}: {text}", style="yellow", markup=False, highlight=False, soft_wrap=True
        )
    if len(stats.notes) > 20:
        console.print(f"  … {len(stats.notes) - 20} more")

    table = Table(title="Decisions", title_justify="left")
    for col in ("role", "type", "applied", "superseded", "vetoed"):
        table.add_column(col, justify="right" if col not in ("role", "type") else "left")
    pairs = sorted({(r, t) for r, t, _ in stats.decisions})
    for role, dtype in pairs:
        counts = [
            stats.decisions.get((role, dtype, s), 0) for s in ("applied", "superseded", "vetoed")
        ]
        table.add_row(role, dtype, *(str(c) for c in counts))
    total = [
        sum(v for (_, _, s), v in stats.decisions.items() if s == st)
        for st in ("applied", "superseded", "vetoed")
    ]
    table.add_row("all", "", *(str(c) for c in total), style="bold")
    console.print(table)
    console.print(_share_table("Time in each mode", "mode", stats.time_in_mode))
    console.print(_share_table("Time in each capital profile", "profile", stats.time_in_profile))
    freezes = Table(title=f"Freezes ({len(stats.freezes)})", title_justify="left")
    freezes.add_column("account")
    freezes.add_column("at")
    freezes.add_column("triggers")
    for account, ts, triggers in stats.freezes[:50]:
        freezes.add_row(account, ts, ", ".join(triggers))
    console.print(freezes)
