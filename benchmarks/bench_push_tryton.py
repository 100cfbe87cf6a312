"""Time pushing many plan tasks into a local Tryton server and measure the client's peak memory.

    python benchmarks/bench_push_tryton.py [--customers 20000] [--tasks-per-customer 5]
                                           [--staff 100] [--batch-size 250] [--plan-module]
                                           [--again]

Prepares a SQLite database (party, company, project; with `--plan-module` also project_plan,
which gives works their assignee and due time), starts trytond on 127.0.0.1 with the test
helper, synthesises staff tasks (customers x tasks each, spread over 7 days and the staff) and
pushes them with the `tryton` target, batch by batch, streaming the tasks. Reports tasks/s,
the total time and the client's peak resident memory, and the count on the server; `--again`
pushes everything a second time with a fresh target, as after a lost ledger.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from tryton_server import (  # noqa: E402
    ADMIN_PASSWORD, DATABASE, MODULES, TrytonServer, prepare_database,
)

from sopdsl.planning.model import (  # noqa: E402
    Assignee, DueWindow, PlanPlaybook, PlanTask, PlanWindow, task_key,
)
from sopdsl.push.target import PlanRun, TargetSettings  # noqa: E402
from sopdsl.push.tryton import TrytonTarget  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 12, 2, tzinfo=TZ)
TITLES = ["新客 7 天未下单：私聊了解顾虑，邀约到店试饮", "意向客户第 3 天回访：确认是否收到试用装",
          "生日前一天：电话问候并提醒生日券", "沉睡客户唤醒：发专属券并备注反馈", "handoff to sales"]


def staff_ids(count: int) -> list[str]:
    return [f"guide_{number:03d}" for number in range(count)]


def write_staff(path: Path, staff: list[str]) -> None:
    path.write_text("staff_id,name,role,email\n" + "".join(
        f"{sid},导购{number:03d},guide,{sid}@example.com\n" for number, sid in enumerate(staff)),
        encoding="utf-8")


def synthesise(customers: int, per_customer: int, staff: list[str]) -> Iterator[PlanTask]:
    """Staff tasks: every customer gets `per_customer` tasks from their owner over 7 days."""
    for number in range(customers):
        cid, owner = f"c{number:07d}", staff[number % len(staff)]
        entry = (START - dt.timedelta(days=1)).isoformat()
        for step in range(per_customer):
            due = START + dt.timedelta(days=step % 7, hours=10 + number % 8)
            title = TITLES[step % len(TITLES)]
            yield PlanTask(
                key=task_key(cid, "onboarding", entry, f"onboarding/{step}", 1), kind="task",
                customer=cid, customer_name=f"客户{number}", journey="onboarding", entry=entry,
                step=f"onboarding/{step}", round=1, source=f"playbooks/onboarding.sop:{40 + step}",
                priority=8, assignee=Assignee(staff_id=owner, name=None, role="guide", email=None),
                due=DueWindow(start=due.isoformat(),
                              end=(due + dt.timedelta(hours=4)).isoformat()),
                channel=None, title=title, text=title, content=None, change=None, condition=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--tasks-per-customer", type=int, default=5)
    parser.add_argument("--staff", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--plan-module", action="store_true",
                        help="activate project_plan (allocations and constraint dates)")
    parser.add_argument("--again", action="store_true",
                        help="then push everything again with a fresh target (no ledger)")
    args = parser.parse_args()
    modules = MODULES if args.plan_module else tuple(m for m in MODULES if m != "project_plan")
    staff = staff_ids(args.staff)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        write_staff(work / "staff.csv", staff)
        began = time.perf_counter()
        prepared = prepare_database(work / "prepared", work / "staff.csv", modules)
        server = TrytonServer.from_prepared(prepared, work / "server").start()
        print(f"database prepared and server started in {time.perf_counter() - began:.1f}s "
              f"(modules: {', '.join(modules)})")
        try:
            run_push(server, args, staff)
        finally:
            server.stop()


def run_push(server: TrytonServer, args: argparse.Namespace, staff: list[str]) -> None:
    settings = TargetSettings("tryton", {
        "url": server.url, "database": DATABASE, "user": "admin", "password": ADMIN_PASSWORD,
        "batch_size": str(args.batch_size), "timeout": "600"})
    total = args.customers * args.tasks_per_customer
    print(f"tasks: {total:,} in batches of {args.batch_size} ({args.customers:,} customers x "
          f"{args.tasks_per_customer}, {len(staff)} staff)")
    for label in ("push", "push again") if args.again else ("push",):
        target = TrytonTarget(settings)
        seconds, rejected = timed_push(target, args, staff)
        on_server = target._open().call("project.work", "search_count", [("type", "=", "task")])
        target.close()
        print(f"{label}: {seconds:.1f}s  throughput: {total / seconds:,.0f} tasks/s  "
              f"rejected: {rejected}  tasks on the server: {on_server:,}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"client peak memory: {peak_mb:.0f} MB; python {platform.python_version()} on "
          f"{platform.machine()}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def timed_push(target: TrytonTarget, args: argparse.Namespace,
               staff: list[str]) -> tuple[float, int]:
    """Push every synthesised task; the seconds it took and the number rejected."""
    run = PlanRun(PlanPlaybook(title="基准", file="playbooks/onboarding.sop",
                               timezone="Asia/Shanghai"),
                  PlanWindow(start=START.isoformat(), end=(START + dt.timedelta(days=7)).isoformat(),
                             days=7, lookback_days=30))
    sent = rejected = 0
    began = time.perf_counter()
    for batch in target.batches(run, synthesise(args.customers, args.tasks_per_customer, staff)):
        rejected += len(target.send(batch).rejected)
        sent += len(batch.keys)
        if sent % 10_000 < args.batch_size:
            print(f"  {sent:,} tasks after {time.perf_counter() - began:.0f}s", flush=True)
    return time.perf_counter() - began, rejected


if __name__ == "__main__":
    main()
