"""Where work split into independent pieces runs: this process, a process pool or a Dask cluster.

Replications of a forecast and partitions of a plan use the same executors, so one
`--scheduler` address serves both. dask.distributed is imported only when a scheduler is named.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from sopdsl.errors import SopdslError


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class SchedulerError(SopdslError):
    """The Dask scheduler cannot be used: no dask.distributed, or the address does not answer."""


@contextmanager
def dask_executor(scheduler: str) -> Iterator[Executor]:
    """An executor on the Dask cluster at `scheduler`."""
    try:
        from dask.distributed import Client
    except ImportError as error:
        raise SchedulerError("running on a Dask scheduler needs dask.distributed; install it "
                             "with: pip install 'sopdsl[dask]'") from error
    try:
        client = Client(scheduler, set_as_default=False)
    except (OSError, ValueError) as error:
        message = f"cannot connect to the Dask scheduler {scheduler}: {error}"
        raise SchedulerError(message) from error
    with client:
        yield client.get_executor(pure=False)


@contextmanager
def pool_or_cluster(workers: int, scheduler: str | None) -> Iterator[Executor]:
    """The Dask cluster at `scheduler` when one is named, else a pool of `workers` processes."""
    if scheduler is not None:
        with dask_executor(scheduler) as executor:
            yield executor
        return
    with ProcessPoolExecutor(max_workers=workers) as executor:
        yield executor
