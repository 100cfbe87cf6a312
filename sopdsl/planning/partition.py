"""Customers planned in parallel: chunks of them in a process pool or on a Dask cluster.

A customer's plan depends only on the customer, so chunks are planned independently and their
results are taken back in input order: the plan and its problems are the same, task for task,
however many workers made them. Workers turn rows into values as well as plan them; only a
few chunks are in flight at a time, so memory stays flat.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future
from itertools import islice

from sopdsl.checker.program import Program
from sopdsl.customers_io import Roster
from sopdsl.histories import CustomerRows, DataFiles
from sopdsl.planning.planner import CustomerPlan, Planner, PlanSettings

# Customers per chunk: enough that sending the program with each chunk costs little.
CHUNK_CUSTOMERS = 2_000
# Chunks waiting per worker, so no worker idles while the parent reads the next chunk.
AHEAD_PER_WORKER = 2


def plan_chunk(program: Program, settings: PlanSettings, roster: Roster, files: DataFiles,
               chunk: list[CustomerRows]) -> list[CustomerPlan]:
    """Each customer's plan for one chunk, in a worker."""
    planner = Planner(program, settings, roster)
    return [planner.plan_rows(rows, files) for rows in chunk]


def plan_partitioned(executor: Executor, workers: int, program: Program, settings: PlanSettings,
                     roster: Roster, files: DataFiles, followed: Iterable[CustomerRows],
                     ) -> Iterator[CustomerPlan]:
    """Each customer's plan, in input order, planned in chunks on `executor`."""
    pending: deque[Future[list[CustomerPlan]]] = deque()
    stream = iter(followed)
    try:
        while chunk := list(islice(stream, CHUNK_CUSTOMERS)):
            pending.append(executor.submit(plan_chunk, program, settings, roster, files, chunk))
            if len(pending) >= max(workers, 1) * AHEAD_PER_WORKER:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
