"""Helpers for the run-time tests: programs from text, a fixed clock, readable times."""

from __future__ import annotations

import datetime as dt

from programs import clean_program
from sopdsl.runtime.arms import ArmChooser, stable_arm
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, Event
from sopdsl.runtime.effects import Effect
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.checker.program import Program

# Minute 0 is Monday 2026-11-30 00:00 in Asia/Shanghai.
EPOCH = dt.datetime(2026, 11, 30)
TIMEZONE = "Asia/Shanghai"
CLOCK = Clock(EPOCH, TIMEZONE)
PLAYBOOK = 'playbook "test" {\n  timezone "Asia/Shanghai"\n  quiet_hours 21:30-08:30\n}\n'


def program_of(text: str, playbook: str = PLAYBOOK) -> Program:
    """The program of `text` after a playbook block (which must load with no diagnostics)."""
    return clean_program(playbook + text)


def at(when: str) -> float:
    """Run-time minutes of a local `[YYYY-]MM-DD HH:MM` (no year: Nov and Dec 2026, else 2027)."""
    date, time = when.split()
    parts = [int(part) for part in date.split("-")]
    if len(parts) == 2:
        parts.insert(0, 2026 if parts[0] >= 11 else 2027)
    hour, minute = (int(part) for part in time.split(":"))
    return CLOCK.minutes(dt.datetime(parts[0], parts[1], parts[2], hour, minute))


def show(t: float | None) -> str | None:
    """A run-time minute as local `MM-DD HH:MM`."""
    return None if t is None else CLOCK.local(t).strftime("%m-%d %H:%M")


def interpreter(text: str, choose_arm: ArmChooser = stable_arm, **kwargs: str) -> Interpreter:
    """An interpreter of the playbook text on the test clock."""
    return Interpreter(program_of(text, **kwargs), CLOCK, choose_arm)


def summary(effects: list[Effect]) -> list[tuple]:
    """Effects as (local time, kind, step, detail) tuples for exact comparisons."""
    rows = []
    for effect in effects:
        data = effect.to_dict()
        for common in ("kind", "time", "customer", "journey", "step", "run"):
            data.pop(common)
        if "earliest" in data:
            data["earliest"] = show(data["earliest"])
        if data.get("due") is not None:
            data["due"] = show(data["due"])
        detail = " ".join(f"{k}={v}" for k, v in data.items() if v is not None and v != "")
        rows.append((show(effect.time), effect.kind, effect.step, detail))
    return rows


def kinds(effects: list[Effect]) -> list[str]:
    """Just the effects' kinds."""
    return [effect.kind for effect in effects]


def event(name: str, when: str, content: str | None = None, amount: float | None = None) -> Event:
    """An event at a local time written `MM-DD HH:MM`."""
    return Event(name, at(when), content, amount)


def run_until(machine: Interpreter, customer: Customer, when: str) -> list[Effect]:
    """Advance one customer to a local time, collecting effects."""
    return machine.advance(customer, at(when))
