"""Journey structure: triggers, clauses and every step, checked in one walk per journey."""

from __future__ import annotations

from decimal import Decimal

from sopdsl.syntax import ast
from sopdsl.builtins import STAFF_CHANNELS, WELCOME_CHANNEL, YEARLY_TYPES
from sopdsl.diagnostics import did_you_mean
from sopdsl.lunar import FESTIVAL_NAMES
from sopdsl.checker.declarations import check_cap
from sopdsl.checker.group_journeys import check_group_journey
from sopdsl.checker.placeholders import check_placeholders
from sopdsl.checker.resolve import Resolver
from sopdsl.syntax.step_ids import StepRef, walk_steps
from sopdsl.checker.typecheck import ExprChecker, attribute_type, check_date_range

FRIEND_ADDED = "friend_added"
# Clauses a journey gives at most once, with how to fix a second one.
ONCE_CLAUSES = {
    ast.Audience: ("audience", "join the conditions with `and` in one `audience`"),
    ast.Reentry: ("reentry", "keep one `reentry`"),
    ast.Priority: ("priority", "keep one `priority`"),
    ast.JourneyCap: ("cap", "keep one `cap`; the playbook's `frequency_cap` also applies"),
}


class JourneyChecker:
    """Checks one journey at a time: clauses, triggers, names, types and step structure."""

    def __init__(self, resolver: Resolver, exprs: ExprChecker) -> None:
        self.resolver = resolver
        self.report = resolver.report
        self.exprs = exprs
        self.journey: ast.Journey | None = None
        self._triggers: list[ast.Trigger] = []
        self._splits: dict[str, ast.Split] = {}
        self._clause_checks = {
            ast.When: self._when, ast.Audience: self._audience, ast.Reentry: self._reentry,
            ast.Goal: self._goal, ast.ExitOn: self._exit_on, ast.ExitWhen: self._exit_when,
            ast.Priority: _nothing, ast.JourneyCap: self._cap,
        }
        self._trigger_checks = {
            ast.EventTrigger: self._event_trigger,
            ast.DateTrigger: self._date_trigger,
            ast.EnterTrigger: lambda t: resolver.segment(t.segment.name, t.segment.span),
            ast.EveryTrigger: self._every_trigger,
            ast.InactiveTrigger: self._inactive_trigger,
            ast.StageTrigger: lambda t: resolver.stage(t.stage.name, t.stage.span),
            ast.TagAddedTrigger: _nothing,
            ast.OnceTrigger: _nothing,
            ast.CampaignTrigger: lambda t: resolver.campaign_phase(t.campaign, t.phase),
        }
        self._step_checks = {
            ast.Send: self._send, ast.Task: self._task, ast.Notify: self._notify,
            ast.Wait: self._wait, ast.WaitUntilTime: _nothing, ast.WaitUntilDay: _nothing,
            ast.WaitFor: self._wait_for, ast.If: self._if, ast.Split: self._split,
            ast.TagStep: _nothing, ast.UntagStep: _nothing, ast.ScoreStep: _nothing,
            ast.StageStep: lambda s, r: resolver.stage(s.stage.name, s.stage.span),
            ast.SetStep: lambda s, r: exprs.check_assignment(s),
            ast.Handoff: lambda s, r: resolver.role(s.role), ast.Enter: self._enter,
            ast.ExitStep: _nothing, ast.RepeatN: self._repeat_n,
            ast.RepeatUntil: self._repeat_until,
        }

    def check(self, journey: ast.Journey) -> None:
        """Report everything wrong with the journey's clauses and steps."""
        self.journey = journey
        self._triggers = []
        self._splits = {}
        # A group's run tests group facts, which check_group_journey checks instead.
        self._customer = not journey.for_groups
        check_group_journey(journey, self.report)
        self._clauses(journey)
        if not self._triggers:
            self.report("E301", journey.name.span,
                        f"journey `{journey.name.name}` has no `when` trigger",
                        hint="add a trigger before the first step, such as `when friend_added`")
        labels: dict[str, ast.Ident] = {}
        for ref in walk_steps(journey):
            label = ref.step.label
            if label is not None:
                first = labels.setdefault(label.name, label)
                if first is not label:
                    self.report("E304", label.span, f"label `{label.name}` is used twice "
                                f"in journey `{journey.name.name}`",
                                hint=f"the first is on line {first.span.line}; "
                                     "each label names one step")
            self._step_checks[type(ref.step)](ref.step, ref)

    # ---- clauses ----------------------------------------------------------------------

    def _clauses(self, journey: ast.Journey) -> None:
        once: dict[type, ast.Clause] = {}
        goals: dict[str, ast.Goal] = {}
        for clause in journey.clauses:
            kind = type(clause)
            if kind in ONCE_CLAUSES and once.setdefault(kind, clause) is not clause:
                keyword, fix = ONCE_CLAUSES[kind]
                self.report("E305", clause.span,
                            f"journey `{journey.name.name}` has a second `{keyword}`", hint=fix)
            if kind is ast.Goal and goals.setdefault(clause.name.name, clause) is not clause:
                self.report("E305", clause.name.span, f"goal `{clause.name.name}` is given twice "
                            f"in journey `{journey.name.name}`",
                            hint="give each goal its own name; reports count conversions per goal")
            self._clause_checks[kind](clause)

    def _when(self, clause: ast.When) -> None:
        for trigger in clause.triggers:
            self._triggers.append(trigger)
            self._trigger_checks[type(trigger)](trigger)

    def _audience(self, clause: ast.Audience) -> None:
        self._condition(clause.expr)

    def _exit_when(self, clause: ast.ExitWhen) -> None:
        self._condition(clause.expr)

    def _condition(self, expr: ast.Expr) -> None:
        if self._customer:
            self.exprs.check(expr)

    def _reentry(self, clause: ast.Reentry) -> None:
        if clause.after is not None and clause.after.minutes == 0:
            self.report("E310", clause.after.span, "`reentry after` a wait of zero length",
                        hint="write `reentry always` to let customers enter again at once")

    def _goal(self, clause: ast.Goal) -> None:
        for event in clause.events:
            self.resolver.event(event)
        self._zero_window(clause.within, "a goal that must be reached within zero time")

    def _exit_on(self, clause: ast.ExitOn) -> None:
        for event in clause.events:
            self.resolver.event(event)

    def _cap(self, clause: ast.JourneyCap) -> None:
        check_cap(self.resolver, "cap", clause.count, clause.window)

    # ---- triggers ---------------------------------------------------------------------

    def _event_trigger(self, trigger: ast.EventTrigger) -> None:
        if not self.resolver.program.is_date_trigger(trigger.event):
            self.resolver.event(trigger.event)

    def _date_trigger(self, trigger: ast.DateTrigger) -> None:
        name = trigger.attribute
        program = self.resolver.program
        info = program.attributes.get(name.name)
        if info is None and name.name in program.events:
            self.report("E219", name.span, f"`{name.name}` is an event, not a date attribute",
                        hint=f"to start on the event, write `when {name.name}` "
                             "without an offset or time")
        elif info is None and name.name in FESTIVAL_NAMES:
            return
        elif info is None and (festival := did_you_mean(name.name, FESTIVAL_NAMES)):
            if self.resolver.complete:
                self.report("E203", name.span, f"unknown attribute or festival `{name.name}`",
                            hint=festival)
        elif info is None:
            self.resolver.attribute(name.name, name.span)
        elif info.type not in YEARLY_TYPES:
            kind = attribute_type(info)
            holds = f" (it holds {kind.describe()})" if kind is not None else ""
            self.report("E219", name.span, f"`{name.name}` is not a date attribute{holds}",
                        hint="yearly triggers need a date attribute, such as `birthday`, "
                             "or a festival, such as `mid_autumn`")

    def _every_trigger(self, trigger: ast.EveryTrigger) -> None:
        if trigger.interval is not None:
            self._zero_window(trigger.interval, "a schedule that repeats every zero days")
        if trigger.first is not None and trigger.last is not None:
            check_date_range(self.report, trigger.first, trigger.last)

    def _inactive_trigger(self, trigger: ast.InactiveTrigger) -> None:
        self._zero_window(trigger.duration, "`inactive` for zero time")

    # ---- steps ------------------------------------------------------------------------

    def _send(self, step: ast.Send, ref: StepRef) -> None:
        self.resolver.content(step.content)
        channel = self.resolver.channel(step.channel)
        if step.by is not None:
            self.resolver.role(step.by)
            if channel is not None and channel not in STAFF_CHANNELS:
                self.report("E316", step.by.span,
                            f"`by {step.by.name}` has no meaning on `{channel}`: "
                            "nobody confirms its sends",
                            hint=f"leave out `by {step.by.name}`, or send via a staff channel: "
                                 + ", ".join(f"`{c}`" for c in STAFF_CHANNELS))
        if channel == WELCOME_CHANNEL:
            self._welcome(step, ref)

    def _welcome(self, step: ast.Send, ref: StepRef) -> None:
        name = self.journey.name.name
        if step.at is not None:
            self.report("E316", step.at.span,
                        "a `welcome` message goes out when the friend is added; it takes no `at`",
                        hint=f"leave out `at {step.at.text}`")
        if not self._triggers:
            return  # E301 already says the journey has no trigger
        others = [t for t in self._triggers if not _is_friend_added(t)]
        if others:
            starts = ("also starts" if len(others) < len(self._triggers) else "starts")
            self.report("E315", step.channel.span,
                        f"journey `{name}` {starts} on {_describe_trigger(others[0])}, "
                        "but `welcome` messages go out only right after `friend_added`",
                        hint="send it via `chat`, or start the journey only "
                             "`when friend_added`")
        elif not (ref.parent is None and step is self.journey.steps[0]):
            self.report("E302", step.channel.span,
                        "a `welcome` message can only be the journey's first step",
                        hint="move it to the top of the journey, or send it via `chat`")

    def _task(self, step: ast.Task, ref: StepRef) -> None:
        self.resolver.role(step.role)
        check_placeholders(self.resolver, step.instruction)
        if step.content is not None:
            self.resolver.content(step.content)
        if step.due is not None and step.due.minutes == 0:
            self.report("E310", step.due.span,
                        "a task due in zero time is late as soon as it is made",
                        hint="give staff time, such as `due 1d`, or leave `due` out")
        for escalation in step.escalation:
            if escalation.role is not None:
                self.resolver.role(escalation.role)
            if escalation.text is not None:
                check_placeholders(self.resolver, escalation.text)
            if escalation.after.minutes == 0:
                self.report("E310", escalation.after.span,
                            "an escalation after zero time comes as the task is made",
                            hint="give staff time first, such as `after 2h remind`")

    def _notify(self, step: ast.Notify, ref: StepRef) -> None:
        self.resolver.role(step.role)
        check_placeholders(self.resolver, step.text)

    def _wait(self, step: ast.Wait, ref: StepRef) -> None:
        if step.duration.minutes == 0 and step.at is None:
            self.report("E310", step.duration.span, "a wait of zero length",
                        hint="remove the wait, or wait for a time of day: `wait until 10:00`")

    def _wait_for(self, step: ast.WaitFor, ref: StepRef) -> None:
        for event in step.events:
            self.resolver.event(event)
        self._zero_window(step.within, "a `wait for` of zero length never sees the event")

    def _if(self, step: ast.If, ref: StepRef) -> None:
        for branch in step.branches:
            self._condition(branch.condition)

    def _split(self, step: ast.Split, ref: StepRef) -> None:
        total = sum((Decimal(arm.share.text[:-1]) for arm in step.arms), Decimal(0))
        if total != 100:
            shown = format(total.normalize(), "f")
            self.report("E303", step.name.span,
                        f"the arms of split `{step.name.name}` add up to {shown}%, not 100%",
                        hint="change the percentages so that they total 100%")
        first = self._splits.setdefault(step.name.name, step)
        if first is not step:
            self.report("E319", step.name.span,
                        f"journey `{self.journey.name.name}` has two splits named "
                        f"`{step.name.name}`",
                        hint=f"the first is on line {first.name.span.line}; customers get the "
                             "same arm in splits of one name, and reports count arms per split "
                             "name, so give each split its own name")
        arms: dict[str, ast.SplitArm] = {}
        for arm in step.arms:
            if arms.setdefault(arm.name.name, arm) is not arm:
                self.report("E307", arm.name.span,
                            f"split `{step.name.name}` has two arms named `{arm.name.name}`",
                            hint="give each arm its own name; reports count customers per arm")

    def _enter(self, step: ast.Enter, ref: StepRef) -> None:
        if step.journey.name == self.journey.name.name:
            self.report("E316", step.journey.span,
                        f"journey `{step.journey.name}` enters itself",
                        hint="a customer is in a journey once at a time; "
                             "loop with `repeat` instead")
            return
        target = self.resolver.journey(step.journey)
        if target is not None and target.for_groups:
            self.report("E322", step.journey.span,
                        f"journey `{step.journey.name}` runs `for groups`: a customer cannot "
                        "enter it", hint="its calendar starts it for every group; remove the "
                                         "`enter`")

    def _repeat_n(self, step: ast.RepeatN, ref: StepRef) -> None:
        count = step.count
        if count.value == 0 or not count.value.is_integer():
            self.report("E308", count.span,
                        f"`repeat {count.text}` needs a whole number of rounds above 0",
                        hint="write e.g. `repeat 3 every 7d`, or remove the repeat")
        self._zero_repeat_interval(step.every)

    def _repeat_until(self, step: ast.RepeatUntil, ref: StepRef) -> None:
        self._zero_repeat_interval(step.every)
        self._condition(step.until)
        if step.max.value == 0 or not step.max.value.is_integer():
            self.report("E308", step.max.span,
                        f"`max {step.max.text}` needs a whole number of rounds above 0",
                        hint="write e.g. `max 3`")

    def _zero_window(self, duration: ast.Duration, message: str) -> None:
        if duration.minutes == 0:
            self.report("E310", duration.span, message, hint="give it a length, such as `3d`")

    def _zero_repeat_interval(self, every: ast.Duration) -> None:
        if every.minutes == 0:
            self.report("E308", every.span, "a repeat that waits no time between rounds",
                        hint="give the time between rounds, such as `every 7d`")




def _is_friend_added(trigger: ast.Trigger) -> bool:
    return (isinstance(trigger, ast.EventTrigger) and trigger.event.name.name == FRIEND_ADDED
            and trigger.event.content is None)


def _describe_trigger(trigger: ast.Trigger) -> str:
    match trigger:
        case ast.EventTrigger():
            return f"`{trigger.event.name.name}`"
        case ast.DateTrigger():
            return f"`{trigger.attribute.name}` dates"
        case ast.EnterTrigger():
            return f"entering `{trigger.segment.name}`"
        case ast.EveryTrigger():
            return "a schedule"
        case ast.InactiveTrigger():
            return "inactivity"
        case ast.StageTrigger():
            return f"`stage becomes {trigger.stage.name}`"
        case ast.OnceTrigger():
            return f"`at {trigger.date.text} {trigger.at.text}`"
        case ast.CampaignTrigger():
            return f"campaign `{trigger.campaign.name}`"
    return "a tag being added"


def _nothing(*_: object) -> None:
    return None
