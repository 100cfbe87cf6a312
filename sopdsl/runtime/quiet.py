"""Wake-ups that change nothing but bookkeeping: a broadcast or the daily segment check due for
a customer it starts nothing for (a refused audience, `reentry`, no segment entered)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sopdsl.runtime.customer import Customer

if TYPE_CHECKING:
    from sopdsl.runtime.interpreter import Interpreter

_NOT_QUIET: tuple[bool, float | None] = (False, None)


def advance_quietly(interpreter: Interpreter, c: Customer, now: float,
                    ) -> tuple[bool, float | None]:
    """Do what `advance(c, now)` does when all that is due up to `now` is triggers the same for
    everyone that start nothing: mark them fired and keep the segments' memberships. Returns
    (True, the customer's next moment of such a trigger), or (False, None) with nothing done
    when anything else is due (a run, a held send, another trigger, one that would start a
    journey)."""
    dues = interpreter.dues
    wake = c.waking[0] if c.waking else dues.next_run(c)[0]
    if wake is not None and wake <= now or c.held and c.held[0].at <= now:
        return _NOT_QUIET
    if (c.soonest or dues.next_schedule(c))[0] != now:
        return _NOT_QUIET  # nothing due, or a trigger overdue: `advance` in its own order
    fired = [index for index, due in enumerate(c.due) if due == now]
    schedules, journeys = interpreter.triggers.schedules, interpreter.journeys
    memberships = None
    for index in fired:
        schedule = schedules[index]
        if schedule.per_customer:
            return _NOT_QUIET  # the customer's own trigger: their own wake-up handles it
        journey = schedule.journey
        if journey is None:
            memberships = _unentered(interpreter, c, now)
            if memberships is None:
                return _NOT_QUIET
        elif interpreter.refusal(c, journeys[journey], now) is None:
            return _NOT_QUIET
    # Nothing starts, so firing them in `advance`'s order changes no later one's outcome.
    if memberships:
        c.segments.update(memberships)
    c.ran = now  # all that was due up to now is done, as `advance` would have it
    return True, dues.fired_alike(c, fired, now)


def _unentered(interpreter: Interpreter, c: Customer, now: float) -> dict[str, bool] | None:
    """The customer's memberships now when the segment check enters no segment, else None."""
    found = {}
    for name, inside in interpreter.memberships(c, now):
        if inside and not c.segments.get(name, False):
            return None
        found[name] = inside
    return found
