"""Plans made in parallel are the plan of one process: tasks, summary and problems alike."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import sopdsl
from plan_kit import SAMPLE, START
from programs import ONBOARDING, write_file
from sopdsl.planning import partition

COPIES = 6


def _copies(path: Path, extra: list[str]) -> str:
    """The rows of a sample file, once per copy with ids prefixed in sort order, plus `extra`."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for copy in range(COPIES):
        for row in rows[1:]:
            writer.writerow([f"k{copy}_{row[0]}", *row[1:]])
    return out.getvalue() + "".join(f"{line}\n" for line in extra)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[Path, Path]:
    """Sample customers and events many times over, with bad rows the plan must report."""
    folder = tmp_path_factory.mktemp("partition")
    width = len(SAMPLE.customers.read_text(encoding="utf-8").splitlines()[0].split(","))
    customers = _copies(SAMPLE.customers, [
        "z1,guide_chen" + "," * (width - 3) + ",x",  # a score that is not a number
        "z2,guide_lin" + "," * (width - 2)])
    events = _copies(SAMPLE.events, [
        "y0,2026-11-30 10:00,reply,,",  # a customer not in the customers file
        "z1,yesterday,reply,,", "z1,2026-11-30 10:00,clik,,", "z2,2026-11-30 09:00,purchase,,lots",
        "z2,2026-11-30 20:15,friend_added,,"])
    return (write_file(folder / "customers.csv", customers),
            write_file(folder / "events.csv", events))


def _plan(data: tuple[Path, Path], **parallel) -> sopdsl.PlanResult:
    program = sopdsl.load(ONBOARDING)
    return sopdsl.plan(program, *data, SAMPLE.staff, start=START, days=7, **parallel)


@pytest.fixture(scope="module")
def alone(data) -> sopdsl.PlanResult:
    result = _plan(data)
    assert result.plan is not None and result.plan.summary.customers == COPIES * 12 + 2
    assert {d.code for d in result.problems} == {"E604", "W605", "E609"}
    return result


def test_a_process_pool_plans_what_one_process_plans(data, alone, monkeypatch) -> None:
    """Chunks smaller than the data, two processes: the same tasks in the same order, the same
    problems in the same order."""
    monkeypatch.setattr(partition, "CHUNK_CUSTOMERS", 5)
    pooled = _plan(data, workers=2)
    assert pooled.plan == alone.plan
    assert pooled.problems == alone.problems


def test_a_dask_cluster_plans_what_one_process_plans(data, alone, monkeypatch) -> None:
    """The same on a Dask LocalCluster, the cluster replications run on."""
    from dask.distributed import LocalCluster

    monkeypatch.setattr(partition, "CHUNK_CUSTOMERS", 7)
    with LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster:
        on_dask = _plan(data, scheduler=cluster.scheduler_address)
    assert on_dask.plan == alone.plan
    assert on_dask.problems == alone.problems


def test_rows_out_of_order_stop_every_partition_where_one_process_stops(tmp_path,
                                                                        monkeypatch) -> None:
    """Customers out of order: no plan, and the same problem, however it was planned."""
    monkeypatch.setattr(partition, "CHUNK_CUSTOMERS", 2)
    customers = write_file(tmp_path / "c.csv", "customer_id\na\nb\nc\nd\nb\ne\n")
    results = [_plan((customers, SAMPLE.events), workers=workers) for workers in (1, 2)]
    assert results[0].plan is None and results[1].plan is None
    assert results[0].problems == results[1].problems
    assert "E607" in {d.code for d in results[0].problems}
