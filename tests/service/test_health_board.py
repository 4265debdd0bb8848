"""The health board: failing and stalled checks, stamped errors, logs per state change."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from federation_ai.service.faults import FaultKind, describe_error, fault_kind, is_outage
from federation_ai.service.health import Dependency, HealthBoard, Operation

STORE, BUS = Dependency.STORE, Dependency.BUS
COMMIT, PROBE, CONSUME = Operation.COMMIT, Operation.PROBE, Operation.CONSUME


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def board(clock: Clock) -> HealthBoard:
    return HealthBoard(stall_s=2.0, log_every_s=30.0, clock=clock,
                       locations={STORE: "data/federation.db", BUS: "redis://host:6379/0"})


async def _fail(board: HealthBoard, dependency, operation, exc: Exception) -> None:
    with pytest.raises(type(exc)):
        async with board.watch(dependency, operation):
            raise exc


async def _succeed(board: HealthBoard, dependency, operation) -> None:
    async with board.watch(dependency, operation):
        pass


async def test_a_failing_call_makes_the_service_degraded_until_the_same_check_succeeds(board):
    assert board.summary() == {"status": "ok", "reasons": []}
    await _fail(board, STORE, COMMIT, OSError("attempt to write a readonly database"))
    summary = board.summary()
    assert summary["status"] == "degraded"
    assert summary["reasons"] == ["store: commit failing (read-only) for 0.0 s"]
    # another check of the same dependency answering does not hide the failing write
    await _succeed(board, STORE, PROBE)
    assert board.summary()["status"] == "degraded"
    await _succeed(board, STORE, COMMIT)
    assert board.summary() == {"status": "ok", "reasons": []}


async def test_errors_are_stamped_with_their_time_and_cleared_on_recovery(board):
    await _fail(board, BUS, CONSUME, ConnectionError("Connection refused"))
    check = board.report()["checks"]["bus.consume"]
    assert check["ok"] is False
    assert check["failures"] == 1
    assert check["last_error"]["error"] == "ConnectionError: Connection refused"
    assert check["last_error"]["kind"] == "unreachable"
    assert check["last_error"]["at"].endswith("+00:00")
    assert board.last_error(BUS) == check["last_error"]
    await _succeed(board, BUS, CONSUME)
    check = board.report()["checks"]["bus.consume"]
    assert (check["ok"], check["failures"], check["last_error"]) == (True, 0, None)
    assert board.last_error(BUS) is None


async def test_the_public_summary_names_the_fault_never_the_error(board):
    await _fail(board, STORE, COMMIT, OSError("could not connect to 10.1.2.3:5432 as user admin"))
    reasons = " ".join(board.summary()["reasons"])
    assert "10.1.2.3" not in reasons
    assert "admin" not in reasons


async def _hung_bus_call(board, operation) -> tuple[asyncio.Event, asyncio.Task[None]]:
    """A bus call under watch that answers once the returned event is set."""
    release = asyncio.Event()

    async def hung() -> None:
        async with board.watch(BUS, operation):
            await release.wait()

    task = asyncio.create_task(hung())
    await asyncio.sleep(0)
    return release, task


async def test_a_call_unanswered_longer_than_the_stall_time_is_a_stall(board, clock):
    release, task = await _hung_bus_call(board, CONSUME)
    clock.now += 1.9
    assert board.summary()["status"] == "ok"
    clock.now += 0.2
    assert board.summary()["reasons"] == ["bus: consume unanswered for 2.1 s"]
    assert board.report()["checks"]["bus.consume"]["waiting_s"] == pytest.approx(2.1)
    release.set()
    await task
    assert board.summary()["status"] == "ok"


async def test_a_cancelled_call_records_nothing(board):
    async def waits() -> None:
        async with board.watch(STORE, COMMIT):
            await asyncio.Event().wait()

    task = asyncio.create_task(waits())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert board.summary()["status"] == "ok"
    assert board.report()["checks"]["store.commit"]["waiting_s"] is None


async def test_replies_that_are_answers_do_not_fail_the_check(board):
    class AlreadyStoredError(Exception):
        pass

    with pytest.raises(AlreadyStoredError):
        async with board.watch(STORE, COMMIT, answers=(AlreadyStoredError,)):
            raise AlreadyStoredError
    assert board.summary()["status"] == "ok"


async def test_logs_follow_the_state_one_line_per_change_and_a_reminder(board, clock):
    with capture_logs() as logs:
        for _ in range(50):  # an outage with many retries
            await _fail(board, STORE, COMMIT, OSError("attempt to write a readonly database"))
            clock.now += 1.0
        await _succeed(board, STORE, COMMIT)
    events = [(e["event"], e["log_level"]) for e in logs]
    assert events == [
        ("dependency_failing", "warning"),
        ("dependency_still_failing", "warning"),  # after 30 s
        ("dependency_recovered", "info"),
    ]
    first = logs[0]
    assert first["location"] == "data/federation.db"  # the line names the file
    assert first["fault"] == "read-only"
    assert first["error"] == "OSError: attempt to write a readonly database"
    assert logs[2]["failures"] == 50


async def test_a_stall_is_logged_once_when_it_begins(board, clock):
    release, task = await _hung_bus_call(board, PROBE)
    with capture_logs() as logs:
        for _ in range(20):
            clock.now += 0.25
            board.tick()
        release.set()
        await task
    assert [e["event"] for e in logs] == ["dependency_stalled", "dependency_recovered"]


async def test_recovery_wakes_a_waiting_retry(board):
    await _fail(board, STORE, COMMIT, ConnectionError("refused"))
    waiting = asyncio.create_task(board.recovery(within_s=30))
    await asyncio.sleep(0)
    assert not waiting.done()
    await _succeed(board, STORE, COMMIT)
    async with asyncio.timeout(5):
        await waiting


@pytest.mark.parametrize(("exc", "kind", "outage"), [
    (OSError("attempt to write a readonly database"), FaultKind.READ_ONLY, True),
    (OSError("database or disk is full"), FaultKind.FULL, True),
    (TimeoutError(), FaultKind.TIMEOUT, True),
    (ConnectionRefusedError(111, "Connection refused"), FaultKind.UNREACHABLE, True),
    (ValueError("a defect"), FaultKind.ERROR, False),
])
def test_faults_are_named_in_one_word(exc, kind, outage):
    assert fault_kind(exc) == kind
    assert is_outage(exc) is outage


def test_an_error_is_described_in_one_line_without_the_statement():
    exc = OperationalError("INSERT INTO federation_events ... " * 50, {"p": "x" * 5000},
                           OSError("attempt to write a readonly database"))
    assert describe_error(exc) == "OSError: attempt to write a readonly database"
    assert describe_error(TimeoutError()) == "TimeoutError: no answer in time"
    assert len(describe_error(ValueError("x" * 5000))) == 300


async def test_a_retry_that_failed_after_a_recovery_waits_but_not_one_that_failed_before(board, clock):
    await _fail(board, STORE, COMMIT, ConnectionError("refused"))
    failed_at = board.now()
    clock.now += 1.0
    await _succeed(board, STORE, COMMIT)  # recovered after the retry's failure
    async with asyncio.timeout(5):
        await board.recovery(within_s=30, since=failed_at)  # returns at once
    waiting = asyncio.create_task(board.recovery(within_s=30, since=board.now()))
    await asyncio.sleep(0.01)
    assert not waiting.done()  # nothing recovered since: it waits
    waiting.cancel()
