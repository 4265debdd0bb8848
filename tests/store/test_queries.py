"""query_decisions: filters, time range, cursor pagination without gaps or repeats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from store_helpers import T0, decision

from federation_ai.store import Batch, DecisionQuery, InvalidQueryError, Store

ROLES = [("cro", "risk_adjustment"), ("ceo", "capital_profile"), ("cio", "strategy_allocation")]
STATUSES = ["applied", "applied", "superseded", "vetoed"]


@pytest.fixture
async def trail(store: Store) -> list[dict]:
    """60 decisions over 3 accounts, 3 roles, 3 statuses, one minute apart, in 4 batches."""
    written = []
    for i in range(60):
        role, decision_type = ROLES[i % 3]
        written.append(
            decision(
                f"e-{i}",
                account=["a", "b", "c"][i % 3 if i % 2 else (i // 2) % 3],
                role=role,
                decision_type=decision_type,
                status=STATUSES[i % 4],
                at=60 * i,
            )
        )
    for start in range(0, 60, 15):
        await store.commit_batch(Batch(decisions=written[start : start + 15]))
    return written


async def _all_pages(store: Store, **filters) -> tuple[list[dict], int]:
    items, cursor, pages = [], None, 0
    while True:
        page = await store.query_decisions(DecisionQuery(cursor=cursor, **filters))
        items += page.items
        pages += 1
        if page.next_cursor is None:
            return items, pages
        assert page.items, "a page with a next cursor is never empty"
        cursor = page.next_cursor


async def test_default_page_is_newest_first(store: Store, trail: list[dict]) -> None:
    page = await store.query_decisions(DecisionQuery())
    assert page.items == trail[::-1][:50]
    assert page.next_cursor is not None
    rest = await store.query_decisions(DecisionQuery(cursor=page.next_cursor))
    assert rest.items == trail[::-1][50:]
    assert rest.next_cursor is None


@pytest.mark.parametrize("limit", [1, 7, 20, 59, 60, 500])
async def test_pages_cover_everything_once(store: Store, trail: list[dict], limit: int) -> None:
    items, pages = await _all_pages(store, limit=limit)
    assert items == trail[::-1]
    assert pages == max(1, -(-60 // limit))


@pytest.mark.parametrize(
    "filters",
    [
        {"account_id": "a"},
        {"role_source": "cro"},
        {"decision_type": "capital_profile"},
        {"status": "vetoed"},
        {"account_id": "b", "role_source": "cio", "status": "applied"},
        {"since": T0.replace(minute=10)},
        {"until": "2024-03-01T12:30:00Z"},
        {"since": "2024-03-01T12:10:00Z", "until": T0.replace(minute=40), "account_id": "c"},
        {"account_id": "nobody"},
    ],
)
async def test_filters_with_pagination(store: Store, trail: list[dict], filters: dict) -> None:
    def keep(d: dict) -> bool:
        t = datetime.fromisoformat(d["timestamp"])
        since, until = filters.get("since"), filters.get("until")
        since = datetime.fromisoformat(since) if isinstance(since, str) else since
        until = datetime.fromisoformat(until) if isinstance(until, str) else until
        return (
            all(d[k] == v for k, v in filters.items() if k not in {"since", "until"})
            and (since is None or t >= since)
            and (until is None or t < until)
        )

    expected = [d for d in reversed(trail) if keep(d)]
    items, _ = await _all_pages(store, limit=4, **filters)
    assert items == expected


async def test_time_bounds_are_inclusive_then_exclusive(store: Store, trail: list[dict]) -> None:
    at_ten = datetime(2024, 3, 1, 12, 10, tzinfo=UTC)
    page = await store.query_decisions(DecisionQuery(since=at_ten, until=at_ten.replace(minute=12)))
    assert [d["event_id"] for d in page.items] == ["e-11", "e-10"]
    offset = await store.query_decisions(
        DecisionQuery(since="2024-03-01T14:10:00+02:00", limit=500)
    )
    assert offset.items[-1]["event_id"] == "e-10"


async def test_new_decisions_do_not_shift_an_open_pagination(
    store: Store, trail: list[dict]
) -> None:
    first = await store.query_decisions(DecisionQuery(limit=25))
    await store.commit_batch(Batch(decisions=[decision("e-new", at=99_999)]))
    second = await store.query_decisions(DecisionQuery(limit=25, cursor=first.next_cursor))
    assert first.items + second.items == trail[::-1][:50]


@pytest.mark.parametrize("cursor", ["", "garbage!", "ZDE6eA", "eDE6MTI"])
async def test_malformed_cursor_is_an_invalid_query(store: Store, cursor: str) -> None:
    with pytest.raises(InvalidQueryError):
        await store.query_decisions(DecisionQuery(cursor=cursor))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"limit": 0},
        {"limit": 501},
        {"limit": True},
        {"since": "yesterday"},
        {"until": datetime(2024, 3, 1)},
    ],
)
def test_query_parameters_are_validated(kwargs: dict) -> None:
    with pytest.raises(InvalidQueryError):
        DecisionQuery(**kwargs)
