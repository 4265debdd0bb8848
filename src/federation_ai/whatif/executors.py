"""Where a sweep's replays run: a protocol (map a picklable function over jobs, results
in job order) and two implementations, local processes and a Dask cluster."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    def map(self, fn: Callable[[T], R], jobs: Sequence[T]) -> list[R]:
        """``[fn(j) for j in jobs]``, in the order of ``jobs``; ``fn`` and jobs picklable."""
        ...


class ProcessExecutor:
    """``jobs`` worker processes; with one, every replay runs in this process."""

    def __init__(self, jobs: int = 1) -> None:
        if jobs < 1:
            raise ValueError("--jobs must be >= 1")
        self.jobs = jobs

    def map(self, fn: Callable[[T], R], jobs: Sequence[T]) -> list[R]:
        if self.jobs == 1 or len(jobs) <= 1:
            return [fn(j) for j in jobs]
        with ProcessPoolExecutor(max_workers=min(self.jobs, len(jobs))) as pool:
            return list(pool.map(fn, jobs))


class DaskExecutor:
    """A ``dask.distributed`` cluster: a scheduler address (``tcp://host:8786``) or a
    ``Client``. The ``dask`` extra is imported only here, when a sweep asks for it."""

    def __init__(self, scheduler: str | Any) -> None:
        self.scheduler = scheduler

    def map(self, fn: Callable[[T], R], jobs: Sequence[T]) -> list[R]:
        try:
            from dask.distributed import Client  # noqa: PLC0415 - optional extra, lazy
        except ImportError:
            raise ValueError(
                "--scheduler needs the dask extra: pip install 'federation-ai[dask]'"
            ) from None
        if isinstance(self.scheduler, Client):
            return self._run(self.scheduler, fn, jobs)
        with Client(self.scheduler) as client:  # type: ignore[no-untyped-call]
            return self._run(client, fn, jobs)

    @staticmethod
    def _run(client: Any, fn: Callable[[T], R], jobs: Sequence[T]) -> list[R]:
        futures = client.map(fn, list(jobs), pure=False)
        return list(client.gather(futures))
