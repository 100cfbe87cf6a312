"""Synthetic customer logs drawn with numpy from known parameters, for recovery tests.

Independent of the simulator: sends, responses with lognormal delays (some landing after the
cut-off, so recent sends are censored), BG/NBD purchases with Gamma-Gamma values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

UNTIL = dt.datetime(2026, 1, 1)
MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class Truth:
    """The parameters a log is drawn from (purchase rates per week, delays in minutes)."""

    r: float = 0.5
    alpha: float = 4.0
    a: float = 0.8
    b: float = 2.5
    p: float = 6.0
    q: float = 4.0
    gamma: float = 15.0
    open: float = 0.45
    click: float = 0.3  # given open
    reply: float = 0.1  # given open
    delay_median: float = 120.0
    delay_sigma: float = 1.0
    weeks: int = 52  # first purchases fall in the weeks before the cut-off
    sends: int = 8  # weekly sends per customer, the last one less than a week before
    # (purpose, open, click, reply): the sends' contents take these purposes in turn, each
    # with its own chances; none: every send has the chances above and no purpose column
    purposes: tuple[tuple[str, float, float, float], ...] = ()


def _stamp(minutes: float) -> str:
    return (UNTIL + dt.timedelta(minutes=float(minutes))).strftime("%Y-%m-%d %H:%M")


def draw_log(truth: Truth, customers: int, seed: int, folder: Path) -> tuple[Path, Path]:
    """customers.csv and events.csv of a synthetic log (times in minutes from the cut-off)."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, float, str, str, str, str]] = []
    for index in range(customers):
        cid = f"c{index:06d}"
        rows.extend(_purchases(truth, rng, cid))
        rows.extend(_sends(truth, rng, cid))
    rows.sort(key=lambda row: (row[0], row[1]))
    events = folder / "events.csv"
    with events.open("w", encoding="utf-8") as out:
        out.write("customer_id,time,event,channel,amount" + (",purpose\n" if truth.purposes
                                                               else "\n"))
        for cid, when, name, channel, amount, purpose in rows:
            out.write(f"{cid},{_stamp(when)},{name},{channel},{amount}"
                      + (f",{purpose}\n" if truth.purposes else "\n"))
    people = folder / "customers.csv"
    people.write_text("customer_id\n" + "".join(f"c{i:06d}\n" for i in range(customers)),
                      encoding="utf-8")
    return people, events


def _purchases(truth: Truth, rng: np.random.Generator, cid: str) -> list:
    rate = rng.gamma(truth.r, 1 / truth.alpha) / (7 * MINUTES_PER_DAY)  # per minute
    drop = rng.beta(truth.a, truth.b)
    nu = rng.gamma(truth.q, 1 / truth.gamma)
    first_day = -int(rng.integers(1, truth.weeks * 7 + 1))
    when = first_day * MINUTES_PER_DAY + float(rng.uniform(0, MINUTES_PER_DAY))
    out = []
    while when < 0:  # the first purchase starts the process; a repeat one may end it
        out.append((cid, when, "purchase", "", f"{rng.gamma(truth.p, 1 / nu):.4f}", ""))
        if (out[1:] and rng.random() < drop) or rate <= 0:
            break
        when += rng.exponential(1 / rate)
    return out


def _sends(truth: Truth, rng: np.random.Generator, cid: str) -> list:
    out = []
    last = -float(rng.uniform(0, 7 * MINUTES_PER_DAY))
    mu = np.log(truth.delay_median)
    kinds = truth.purposes or (("", truth.open, truth.click, truth.reply),)
    for k in range(truth.sends):
        sent = last - k * 7 * MINUTES_PER_DAY
        purpose, opens, clicks, replies = kinds[(k + int(cid[1:])) % len(kinds)]
        out.append((cid, sent, "delivered", "private_chat", "", purpose))
        if rng.random() >= opens:
            continue
        out.append((cid, sent + rng.lognormal(mu, truth.delay_sigma), "open", "private_chat", "",
                    ""))
        for name, chance in (("click", clicks), ("reply", replies)):
            if rng.random() < chance:
                out.append((cid, sent + rng.lognormal(mu, truth.delay_sigma), name,
                            "private_chat", "", ""))
    return out


def draw_tasks(members: list[str], tasks: int, completion: float, median: float, sigma: float,
               seed: int, path: Path) -> Path:
    """A staff task log: tasks created uniformly over 60 days before the cut-off, each done
    with chance `completion` after a lognormal delay; done after the cut-off reads as not done."""
    rng = np.random.default_rng(seed)
    rows = ["staff_id,created,done"]
    for _ in range(tasks):
        created = -float(rng.uniform(0, 60 * MINUTES_PER_DAY))
        done = created + rng.lognormal(np.log(median), sigma)
        shown = _stamp(done) if rng.random() < completion and done < 0 else ""
        rows.append(f"{members[int(rng.integers(len(members)))]},{_stamp(created)},{shown}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
