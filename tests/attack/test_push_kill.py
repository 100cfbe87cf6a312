"""kill -9 against `sopdsl push` and a webhook receiver, and pushes racing for one ledger
under different names. Webhook: no task is lost, none is processed twice by a receiver that
deduplicates by event id, and at most one extra delivery follows each kill. WeCom (no
upsert): no mass message is ever created twice; what a kill left uncertain is held back."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from loopback import free_port
from push_kit import make_tasks, written_plan
from sopdsl.planning.model import Plan
from sopdsl.push.ledger import Ledger
from webhook_receiver import receiver  # noqa: F401 (fixture)
from wecom_contract import CORP_ID, SECRET
from wecom_kit import TAG_IDS, contract, send_task  # noqa: F401 (fixture)

SOPDSL = Path(sys.executable).parent / "sopdsl"
RECEIVER = Path(__file__).resolve().parent.parent / "webhook_receiver.py"
SEED = 20261202
ROUNDS = 8
TASKS = 1000  # more than the rounds send, so every kill lands mid-push
RECEIVER_DELAY = 0.003  # seconds of work per event, so a push lasts a few seconds
ROUND_SECONDS = 90  # a push that outlives this hangs: the test fails rather than waits


def push_process(plan: Path, ledger: Path, home: Path, target: str,
                 settings: dict[str, str]) -> subprocess.Popen:
    """`sopdsl push PLAN --to TARGET` in a process of its own."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(home), "SOPDSL_PUSH_CONFIG": "",
           **{f"SOPDSL_{target.upper()}_{key.upper()}": value for key, value in settings.items()}}
    return subprocess.Popen([str(SOPDSL), "push", str(plan), "--to", target, "--ledger",
                             str(ledger), "--max-attempts", "4", "--max-wait", "3"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def webhook(url: str) -> dict[str, str]:
    """Settings of a webhook at `url` with room for a slow receiver."""
    return {"url": url, "timeout": "30"}


def receiver_process(port: int, log: Path) -> subprocess.Popen:
    """The logging receiver in a process of its own, answering once it listens."""
    process = subprocess.Popen([sys.executable, str(RECEIVER), str(port), str(log),
                                str(RECEIVER_DELAY)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            assert process.poll() is None, "the receiver did not start"
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the receiver did not listen within 30 s")


def finished(process: subprocess.Popen) -> tuple[int, str]:
    """The exit code and standard error of a push, which must end in time."""
    try:
        _, stderr = process.communicate(timeout=ROUND_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("a push hung") from None
    return process.returncode, stderr


def test_kills_lose_nothing_and_duplicate_nothing_a_receiver_keeps(tmp_path):
    """Rounds of kill -9, at seeded random moments, of the push or of the receiver (started
    again after a random pause), then a push to the end: every task reached the receiver,
    each id once after deduplication, with at most one extra raw delivery per kill."""
    tasks = make_tasks(TASKS)
    plan, ledger, log = tmp_path / "plan.json", tmp_path / "ledger.sqlite", tmp_path / "log"
    plan.write_text(written_plan(tasks), encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}/events"
    rng = random.Random(SEED)
    server = receiver_process(port, log)
    killed: dict[str, int] = {"push": 0, "receiver": 0}
    try:
        for _ in range(ROUNDS):
            pushing = push_process(plan, ledger, tmp_path, "webhook", webhook(url))
            time.sleep(rng.uniform(0.3, 2.5))
            if rng.random() < 0.5:  # the receiver dies mid-push and comes back after a pause
                server.send_signal(signal.SIGKILL)
                server.wait(timeout=10)
                killed["receiver"] += 1
                time.sleep(rng.uniform(0.0, 1.0))
                server = receiver_process(port, log)
                time.sleep(rng.uniform(0.3, 1.5))
            pushing.send_signal(signal.SIGKILL)
            code, stderr = finished(pushing)
            killed["push"] += code == -signal.SIGKILL
            # 0 done, 1 stopped (the receiver was down too long), -9 killed; never 2: a
            # killed push leaves a ledger the next one can use
            assert code in (0, 1, -signal.SIGKILL), stderr
        code, stderr = finished(push_process(plan, ledger, tmp_path, "webhook", webhook(url)))
        assert code == 0, stderr
    finally:
        server.kill()
        server.wait(timeout=10)
    deliveries = log.read_text(encoding="utf-8").split()
    assert set(deliveries) == {task.key for task in tasks}  # nothing lost or unknown
    extra = len(deliveries) - len(set(deliveries))  # the at-least-once part
    print(f"{TASKS} tasks, {len(deliveries)} deliveries ({extra} repeated) after "
          f"{killed['push']} push and {killed['receiver']} receiver kills")
    assert extra <= sum(killed.values())


def test_pushes_through_other_names_of_a_ledger_wait_for_the_one_that_runs(
        tmp_path, sample_plan_file, receiver):
    """Three pushes of one plan at once, through a symbolic link, a hard link and a path
    through `..` to the same ledger: exactly one runs, the others exit 2 saying the ledger is
    locked, and the receiver gets each task once."""
    path = tmp_path / "ledgers" / "ledger.sqlite"
    Ledger.open(path).close()
    (tmp_path / "link.sqlite").symlink_to(path)
    os.link(path, tmp_path / "hard.sqlite")
    (tmp_path / "sub").mkdir()
    names = [tmp_path / "link.sqlite", tmp_path / "hard.sqlite",
             tmp_path / "sub" / ".." / "ledgers" / "ledger.sqlite"]
    released = threading.Event()
    receiver.script = [lambda: released.wait(ROUND_SECONDS)]  # hold the first request
    pushes = [push_process(sample_plan_file, name, tmp_path, "webhook",
                           webhook(receiver.url)) for name in names]
    refused = []
    try:
        deadline = time.monotonic() + ROUND_SECONDS
        while len(refused) < 2 and time.monotonic() < deadline:
            refused = [p for p in pushes if p.poll() is not None]
            time.sleep(0.05)
    finally:
        released.set()
    results = [finished(p) for p in pushes]
    assert sorted(code for code, _ in results) == [0, 2, 2], results
    for code, stderr in results:
        assert code == 0 or ("E625" in stderr and "locked" in stderr), stderr
    keys = [task.key for task in Plan.model_validate_json(
        sample_plan_file.read_text(encoding="utf-8")).tasks]
    assert sorted(d["event"]["id"] for d in receiver.deliveries) == sorted(keys)


def test_killed_wecom_pushes_never_create_a_message_twice(tmp_path, contract):
    """Rounds of kill -9 of a push to WeCom (no upsert there) at seeded random moments, then a
    push to the end: WeCom got no mass message twice; every task is accepted or, when a kill
    left unknown whether WeCom got it, held back and reported, never sent again."""
    contract.control("reset")
    contract.configure(today="2026-12-02", delay=0.05)  # WeCom answers after a while
    tasks = [send_task(f"wm{n:03d}", sender=f"guide_{n:03d}") for n in range(40)]
    plan, ledger = tmp_path / "plan.json", tmp_path / "ledger.sqlite"
    plan.write_text(written_plan(tasks), encoding="utf-8")
    settings = {"corp_id": CORP_ID, "secret": SECRET, "base_url": contract.base_url,
                "tag_ids": TAG_IDS}
    rng = random.Random(SEED)
    for _ in range(ROUNDS - 2):
        pushing = push_process(plan, ledger, tmp_path, "wecom", settings)
        time.sleep(rng.uniform(0.5, 3.0))
        pushing.send_signal(signal.SIGKILL)
        code, stderr = finished(pushing)
        assert code in (0, 1, -signal.SIGKILL), stderr
    code, stderr = finished(push_process(plan, ledger, tmp_path, "wecom", settings))
    created = Counter(request["body"]["sender"]
                      for request in contract.requests("externalcontact/add_msg_template"))
    opened = Ledger.open(ledger, read_only=True)
    states = {entry.key: entry.state for entry in opened.all_entries(
        "wecom", f"{contract.base_url}#{CORP_ID}")}
    opened.close()
    assert max(created.values()) == 1  # no staff member got a message task twice
    held = [task for task in tasks if states[task.key] == "sending"]
    assert all(states[task.key] == "accepted" and created[task.assignee.staff_id] == 1
               for task in tasks if task not in held)
    assert code == (1 if held else 0), stderr
    assert not held or f"held back {len(held)} tasks" in stderr
