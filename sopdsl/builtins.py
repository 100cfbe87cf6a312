"""What the language knows before any file is read: built-in attributes, events, channels."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Final

# Time is counted in minutes; durations are written in these units (`90m`, `2h`, `3d`, `1w`).
MINUTES_PER_DAY: Final = 24 * 60
DURATION_UNITS: Final[dict[str, int]] = {"m": 1, "h": 60, "d": MINUTES_PER_DAY,
                                         "w": 7 * MINUTES_PER_DAY}

ATTRIBUTE_TYPES: Final = ("string", "number", "bool", "date", "lunar_date", "enum")
# The attribute types that recur every year: `when birthday`, `today is birthday`.
YEARLY_TYPES: Final = ("date", "lunar_date")

BUILTIN_ATTRIBUTES: Final[dict[str, str]] = {
    "name": "string",
    "gender": "string",
    "age": "number",
    "city": "string",
    "birthday": "date",
    "source": "string",
    "member_level": "string",
    "groups": "number",  # how many customer groups (客户群) of the company the customer is in
}

CONTENT_KINDS: Final = (
    "text", "article", "poster", "video", "coupon", "miniprogram", "live", "file", "link",
)
PURPOSES: Final = ("awareness", "nurture", "choice", "advocacy")
CONTENT_FIELDS: Final = ("purpose", "url", "text", "value", "valid")


@dataclass(frozen=True)
class ChannelFacts:
    """What one channel is in WeCom: who sends it, which limits bind it, what work it makes."""

    staff: bool  # a staff member confirms each send (`by ROLE` applies; quiet hours bind)
    mass: bool  # a WeCom mass message: the mass quota and one per member and customer a day
    batched: bool  # one staff action per sender, step and release moment, for all its customers
    post: bool  # one post that every customer in its visible range may see (moments)
    group: bool  # one post to a customer group (客户群) that reaches every member
    wecom: bool  # reaches the customer as a WeCom friend: dropped once they deleted the friend
    quiet: bool  # held back by quiet hours
    means: str  # one sentence for the language reference and hints


# Every fact about every channel, in one place: the checker, lint, the interpreter, the
# simulator, the exact forecaster, the planner and the push read them from here.
CHANNEL_FACTS: Final[dict[str, ChannelFacts]] = {
    "private_chat": ChannelFacts(
        staff=True, mass=True, batched=True, post=False, group=False, wecom=True, quiet=True,
        means="a mass send (客户群发) to customers' 1:1 chats: the sender confirms one task "
              "in the 群发助手 for every customer it goes to"),
    "chat": ChannelFacts(
        staff=True, mass=False, batched=False, post=False, group=False, wecom=True, quiet=True,
        means="a staff member's own 1:1 message, not a mass send: one piece of work per "
              "customer and no WeCom mass limits"),
    "group": ChannelFacts(
        staff=True, mass=False, batched=True, post=False, group=True, wecom=False, quiet=True,
        means="a post to customer groups (客户群) the sender owns: one task for all of them, "
              "one unit of each group's quota, seen by every member of the group"),
    "moments": ChannelFacts(
        staff=True, mass=False, batched=True, post=True, group=False, wecom=True, quiet=True,
        means="a moments post (客户朋友圈): one post by the sender, visible to the customers "
              "the journeys selected"),
    "sms": ChannelFacts(
        staff=False, mass=False, batched=False, post=False, group=False, wecom=False, quiet=True,
        means="a text message, sent automatically"),
    "email": ChannelFacts(
        staff=False, mass=False, batched=False, post=False, group=False, wecom=False, quiet=True,
        means="an e-mail, sent automatically"),
    "welcome": ChannelFacts(
        staff=False, mass=False, batched=False, post=False, group=False, wecom=True, quiet=False,
        means="WeCom's welcome message, sent automatically the moment the friend is added"),
}
CHANNELS: Final = tuple(CHANNEL_FACTS)
# A staff member confirms each send on these, as in WeCom: the send is work for the owner.
STAFF_CHANNELS: Final = tuple(name for name, c in CHANNEL_FACTS.items() if c.staff)
WELCOME_CHANNEL: Final = "welcome"
# WeCom mass messages (`add_msg_template`): the mass quota and the staff daily limit bind them.
MASS_CHANNELS: Final = frozenset(name for name, c in CHANNEL_FACTS.items() if c.mass)
# One staff action per sender, step and release moment (a 群发 task or a moments post).
BATCHED_CHANNELS: Final = frozenset(name for name, c in CHANNEL_FACTS.items() if c.batched)
# Reach customers through WeCom: a customer who deleted the friend no longer gets them.
WECOM_CHANNELS: Final = frozenset(name for name, c in CHANNEL_FACTS.items() if c.wecom)


# Sends a customer's own log keeps (frequency caps, journey caps, fatigue): every send but a
# group post, which is the group's (its quota is the group's too).
LOGGED_CHANNELS: Final = frozenset(name for name, c in CHANNEL_FACTS.items() if not c.group)


# Posts to customer groups: one per group, content and release moment (docs/semantics.md).
GROUP_CHANNELS: Final = frozenset(name for name, c in CHANNEL_FACTS.items() if c.group)
# WeCom's customer groups (客户群) hold up to 500 members (docs/scenarios.md, "groups").
GROUP_CAPACITY: Final = 500
# `add_msg_template` takes at most 2,000 groups in `chat_id_list` (WeCom document 92135).
GROUPS_PER_REQUEST: Final = 2000


def group_quota(day: dt.date) -> int:
    """Company mass sends one customer group may receive in the month of `day`: as many as the
    month has days (WeCom document 92135, updated 2025-11-17)."""
    return calendar.monthrange(day.year, day.month)[1]


def channel_kind(name: str) -> str:
    """What one send on the channel is, in a word or two: a post, a mass send, a 1:1 chat."""
    facts = CHANNEL_FACTS[name]
    if facts.post:
        return "post"
    if facts.group:
        return "group post"
    if facts.batched:
        return "mass send"
    return "1:1 chat" if facts.staff else "automatic"


# Built-in events; True where the event takes an optional content argument, `click(welcome)`.
BUILTIN_EVENTS: Final[dict[str, bool]] = {
    "friend_added": False,
    "friend_deleted": False,
    "joined_group": False,
    "left_group": False,
    "delivered": False,
    "open": True,
    "click": True,
    "reply": False,
    "purchase": False,
    "coupon_used": True,
    "store_visit": False,
    "live_attended": False,
    "form_submitted": False,
    "task_done": False,
}

# What a journey `for groups` may test about its group, by name and type.
GROUP_FACTS: Final[dict[str, str]] = {
    "members": "number",  # the group's members now
}
# The only `for` a journey takes: a run per customer group (客户群).
GROUP_ENTITY: Final = "groups"

# `when inactive 14d`: no event of these kinds for 14 days.
ACTIVITY_EVENTS: Final = ("open", "click", "reply", "purchase", "store_visit")

DEFAULT_STAGES: Final = ("visitor", "prospect", "profiled", "intent", "pending", "won")
DEFAULT_TIMEZONE: Final = "Asia/Shanghai"
DEFAULT_MASS_QUOTA: Final = (4, "month")
# Staff hours when the scenario names none (docs/semantics.md).
DEFAULT_STAFF_HOURS: Final = ("09:00", "21:00")
# The dates a run may start on and events may carry: from the Unix epoch, which push targets
# and calendars count time from, to a start that leaves room for ten years of horizon and a
# century of durations (the longest a playbook states) before the calendar ends in 9999.
FIRST_DATE: Final = dt.date(1970, 1, 1)
LAST_DATE: Final = dt.date(9800, 12, 31)


def date_out_of_range(day: dt.date) -> str | None:
    """Why a run cannot start on, or an event happen on, `day`; None when it can."""
    if FIRST_DATE <= day <= LAST_DATE:
        return None
    return f"{day.isoformat()} is outside the dates sopdsl works with, {FIRST_DATE} to {LAST_DATE}"
