"""What the language knows before any file is read: built-in attributes, events, channels."""

from __future__ import annotations

import datetime as dt
from typing import Final

# Time is counted in minutes; durations are written in these units (`90m`, `2h`, `3d`, `1w`).
MINUTES_PER_DAY: Final = 24 * 60
DURATION_UNITS: Final[dict[str, int]] = {"m": 1, "h": 60, "d": MINUTES_PER_DAY,
                                         "w": 7 * MINUTES_PER_DAY}

ATTRIBUTE_TYPES: Final = ("string", "number", "bool", "date", "enum")

BUILTIN_ATTRIBUTES: Final[dict[str, str]] = {
    "name": "string",
    "gender": "string",
    "age": "number",
    "city": "string",
    "birthday": "date",
    "source": "string",
    "member_level": "string",
}

CONTENT_KINDS: Final = (
    "text", "article", "poster", "video", "coupon", "miniprogram", "live", "file", "link",
)
PURPOSES: Final = ("awareness", "nurture", "choice", "advocacy")
CONTENT_FIELDS: Final = ("purpose", "url", "text", "value", "valid")

# A staff member confirms each send on these, as in WeCom: the send is a task for the owner.
STAFF_CHANNELS: Final = ("private_chat", "group", "moments")
# The staff-confirmed sends that go through WeCom's mass-message assistant (add_msg_template):
# they count against the per-customer mass quota and each staff member's daily limit.
MASS_CHANNELS: Final = frozenset(("private_chat", "group"))
AUTOMATIC_CHANNELS: Final = ("sms", "email")
WELCOME_CHANNEL: Final = "welcome"
CHANNELS: Final = (*STAFF_CHANNELS, *AUTOMATIC_CHANNELS, WELCOME_CHANNEL)

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

# `when inactive 14d`: no event of these kinds for 14 days.
ACTIVITY_EVENTS: Final = ("open", "click", "reply", "purchase", "store_visit")

DEFAULT_STAGES: Final = ("visitor", "prospect", "profiled", "intent", "pending", "won")
DEFAULT_TIMEZONE: Final = "Asia/Shanghai"
DEFAULT_MASS_QUOTA: Final = (4, "month")
# Staff hours when the scenario names none (LANGUAGE.md section 4, run-time rules).
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
