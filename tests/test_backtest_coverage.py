"""A randomised campaign with a known truth: back-tested arms' intervals cover what happened.

The world is drawn here with NumPy alone, none of the simulator's code: customers buy under
BG/NBD (Gamma purchase rates, Beta drop-out after each purchase) with Gamma-Gamma values, open
and click with their own Beta-drawn responsiveness, a send's content purpose scales its click
chance, and a click leads to a purchase within three days with a fixed chance. Before the date
they get eight weekly text messages of both purposes, so calibration sees each purpose's sends,
their answers (with delays, censored at the date) and the purchases after clicks. After it the
playbook's split sends each customer one of the two contents, in the arm `plan` gives them
(`stable_arm`), and the customers answer and buy as the truth says.

Each seed is back-tested on its arms; over the seeds each arm's conversion and spend per entry
should fall inside their 95% intervals about 95 times in 100 (binomial: with 100 seeds, 90-98%
holds a well-calibrated interval's count with probability about 0.95).
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import sopdsl
from simulator.backtest import Backtest, backtest
from sopdsl.runtime.arms import stable_arm

AT = dt.date(2026, 3, 1)  # a Sunday: the split's send goes out the next morning
DAYS = 9  # the Monday's entries' 7-day goal windows end inside the days
DAY, WEEK = 1440.0, 7 * 1440.0
SEND = DAY + 600.0  # Monday 10:00, the journey's schedule, in minutes from the date
SPLIT, ARMS = "offer", (("story", "nurture"), ("deal", "choice"))
PLAYBOOK = """playbook "split coverage" { timezone "Asia/Shanghai" }

content story: article "Story" { purpose nurture  url "https://example.com/story" }
content deal: coupon "Deal" { purpose choice  value 10  valid 7d }

journey ab "A/B" {
  when every monday at 10:00 in 2026-03-02..2026-03-02
  goal bought: purchase within 7d
  split offer {
    50% story { send story via sms }
    50% deal { send deal via sms }
  }
}
"""


@dataclass(frozen=True)
class Truth:
    """The world's parameters: BG/NBD per week, Gamma-Gamma, responsiveness, purposes."""

    r: float = 0.6
    alpha: float = 5.0
    a: float = 0.8
    b: float = 3.0
    p: float = 6.0
    q: float = 4.0
    gamma: float = 15.0
    open: tuple[float, float] = (4.5, 5.5)  # Beta per customer, mean 45%
    click: tuple[float, float] = (2.0, 6.0)  # Beta per customer given open, mean 25%
    purpose_click: tuple[tuple[str, float], ...] = (("nurture", 0.6), ("choice", 1.6))
    after_click: float = 0.3  # a purchase within 3 days of a click
    delay_median: float = 120.0  # minutes from send to open, lognormal
    delay_sigma: float = 1.0
    weeks: int = 26  # first purchases fall in these weeks before the date
    sends: int = 8  # weekly sends before the date, purposes taking turns


def _stamp(minutes: float) -> str:
    return (dt.datetime.combine(AT, dt.time()) + dt.timedelta(minutes=float(minutes))
            ).strftime("%Y-%m-%d %H:%M")


def _customer(truth: Truth, rng: np.random.Generator, cid: str, end: float) -> list[tuple]:
    """One customer's rows until `end`: friend added, purchases, sends and their answers."""
    rate = rng.gamma(truth.r, 1 / truth.alpha) / WEEK
    drop = rng.beta(truth.a, truth.b)
    nu = rng.gamma(truth.q, 1 / truth.gamma)
    opens, clicks = rng.beta(*truth.open), rng.beta(*truth.click)
    first = -float(rng.uniform(DAY, truth.weeks * WEEK))
    multiplier = dict(truth.purpose_click)
    rows: list[tuple] = [(first - 60, "friend_added", "", "", "", "")]
    # (time, kind, detail): purchases (organic or after a click) and sends, in time order.
    queue: list[tuple[float, str, str]] = [(first, "purchase", "first")]
    weeks = [SEND - WEEK * k for k in range(truth.sends, 0, -1)]
    for k, when in enumerate(weeks):
        if when > first:
            queue.append((when, "send", ARMS[k % 2][0]))
    arm = ARMS[stable_arm(cid, SPLIT, (50.0, 50.0))][0]
    queue.append((SEND, "send", arm))
    heapq.heapify(queue)
    alive = True
    while queue:
        when, kind, detail = heapq.heappop(queue)
        if when >= end:
            break
        if kind == "purchase":
            if detail == "organic" and not alive:
                continue
            rows.append((when, "purchase", "", "", "", f"{rng.gamma(truth.p, 1 / nu):.2f}"))
            if detail != "first" and alive and rng.random() < drop:
                alive = False
            if detail != "after_click" and alive and rate > 0:
                heapq.heappush(queue, (when + rng.exponential(1 / rate), "purchase", "organic"))
            continue
        purpose = dict(ARMS)[detail]
        rows.append((when, "delivered", "sms", detail, purpose, ""))
        if rng.random() < opens:
            seen = when + truth.delay_median * float(np.exp(truth.delay_sigma
                                                            * rng.standard_normal()))
            rows.append((seen, "open", "sms", detail, purpose, ""))
            if rng.random() < min(1.0, clicks * multiplier[purpose]):
                rows.append((seen, "click", "sms", detail, purpose, ""))
                if rng.random() < truth.after_click:
                    heapq.heappush(queue, (seen + rng.uniform(0, 3 * DAY), "purchase",
                                           "after_click"))
    return [(cid, *row) for row in rows if row[0] < end]


def draw_campaign(truth: Truth, customers: int, seed: int, folder: Path) -> tuple[Path, Path]:
    """customers.csv and events.csv of one world, before the date and the days after it."""
    rng = np.random.default_rng(seed)
    rows = []
    for index in range(customers):
        rows += _customer(truth, rng, f"c{index:05d}", DAYS * DAY)
    rows.sort(key=lambda row: (row[0], row[1]))
    events = folder / "events.csv"
    events.write_text("customer_id,time,event,channel,content,purpose,amount\n" + "".join(
        f"{cid},{_stamp(when)},{name},{channel},{content},{purpose},{amount}\n"
        for cid, when, name, channel, content, purpose, amount in rows), encoding="utf-8")
    people = folder / "customers.csv"
    people.write_text("customer_id\n" + "".join(f"c{i:05d}\n" for i in range(customers)),
                      encoding="utf-8")
    return people, events


def arm_rows(result: Backtest) -> dict[str, tuple[float, float, float, float | None]]:
    """Each arm's conversion and spend per entry: (mean, low, high, actual)."""
    rows = {row.name: row for row in result.rows}
    out = {}
    for arm, _ in ARMS:
        for figure in ("bought rate", "spend per entry"):
            row = rows[f"ab {SPLIT}.{arm} {figure}"]
            out[f"{arm} {figure}"] = (row.mean, row.low, row.high, row.actual)
    return out


SEEDS = 100
CUSTOMERS = 200
REPLICATIONS = 40  # the intervals are order statistics: 95% whatever the count


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory):
    """The split playbook."""
    path = tmp_path_factory.mktemp("split") / "ab.sop"
    path.write_text(PLAYBOOK, encoding="utf-8")
    return sopdsl.load(path)


def coverage(program, folder: Path, seeds: range, uncertainty: bool) -> dict[str, int]:
    """How many seeds' back-tests had each arm figure's actual inside its interval."""
    covered = dict.fromkeys((f"{arm} {figure}" for arm, _ in ARMS
                             for figure in ("bought rate", "spend per entry")), 0)
    for seed in seeds:
        customers, events = draw_campaign(Truth(), CUSTOMERS, seed, folder)
        # A day of lookback: the campaign's one Monday is after the date, nothing runs before.
        result = backtest(program, customers, events, at=AT, days=DAYS,
                          replications=REPLICATIONS, seed=seed + 1, uncertainty=uncertainty,
                          lookback_days=1)
        for name, (_, low, high, actual) in arm_rows(result).items():
            assert actual is not None, (seed, name)
            covered[name] += low <= actual <= high
    return covered


def test_each_arms_conversion_and_spend_intervals_cover_the_truth(program, tmp_path) -> None:
    """Over 100 worlds, each arm's conversion and spend per entry are inside their 95%
    intervals in 90 to 98 of them, with the fitted parameters drawn per replication."""
    covered = coverage(program, tmp_path, range(SEEDS), uncertainty=True)
    assert all(90 <= count <= 98 for count in covered.values()), covered
