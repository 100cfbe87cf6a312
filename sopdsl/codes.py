"""The catalogue of diagnostic codes: one registry, so codes are never reused or renamed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: Severity
    summary: str


def _codes(*rows: tuple[str, str, str]) -> dict[str, Code]:
    table = {}
    for code, name, summary in rows:
        severity = Severity.ERROR if code.startswith("E") else Severity.WARNING
        table[code] = Code(code, name, severity, summary)
    return table


CODES: dict[str, Code] = _codes(
    # E1xx: reading and syntax
    ("E100", "unreadable-file", "the file cannot be read"),
    ("E101", "not-utf8", "the file is not UTF-8 text"),
    ("E102", "binary-file", "the file holds binary data, not text"),
    ("E103", "file-too-large", "the file is larger than sopdsl reads"),
    ("E104", "empty-file", "the file holds no declarations"),
    ("E105", "no-playbooks", "a folder that holds no .sop files"),
    ("E106", "not-a-regular-file", "a FIFO, device or socket where a playbook file belongs"),
    ("E110", "unexpected-character", "a character that cannot start any word of the language"),
    ("E111", "unexpected-token", "a word or symbol where the grammar expects something else"),
    ("E112", "unexpected-end", "the file ends in the middle of a declaration"),
    ("E113", "unclosed-block", "a `{` without its matching `}`"),
    ("E114", "invalid-escape", "a string escape other than \\\" \\\\ \\n \\t \\u{...}"),
    ("E115", "invalid-time", "a time of day that is not HH:MM within 00:00-23:59"),
    ("E116", "invalid-date", "a date that does not exist in the calendar"),
    ("E117", "reserved-word", "a keyword used as a name"),
    ("E118", "too-many-errors", "more syntax errors than are worth reporting for one file"),
    ("E119", "invalid-number", "a number, percentage or duration that is out of range"),
    ("E120", "unterminated-string", "a string without its closing quote"),
    ("E121", "nested-too-deeply", "blocks or expressions nested deeper than sopdsl reads"),
    # E2xx: names, imports and types
    ("E201", "undefined-name", "a name that is not declared"),
    ("E202", "duplicate-name", "a name declared more than once"),
    ("E203", "unknown-attribute", "an attribute that is neither built in nor declared"),
    ("E204", "unknown-stage", "a stage that is not in the playbook's stage list"),
    ("E205", "unknown-event", "an event that is neither built in nor declared"),
    ("E206", "wrong-kind-of-name", "a name that is declared, but as something else"),
    ("E207", "type-mismatch", "a comparison or assignment between incompatible types"),
    ("E208", "empty-range", "a `..` range whose minimum is above its maximum"),
    ("E209", "segment-cycle", "a segment that refers to itself, directly or through others"),
    ("E210", "unknown-placeholder", "a `{...}` placeholder other than customer attributes and owner.name"),
    ("E211", "import-not-found", "an import whose file does not exist or cannot be read"),
    ("E212", "import-outside-root", "an import whose path leaves the project root"),
    ("E213", "unknown-content-field", "a content field other than purpose, url, text, value, valid"),
    ("E214", "unknown-purpose", "a content purpose other than awareness, nurture, choice, advocacy"),
    ("E215", "invalid-enum-value", "a value that is not among an enum attribute's values"),
    ("E216", "event-takes-no-content", "a content argument on an event that carries none"),
    ("E217", "duplicate-playbook", "more than one `playbook` block in a compilation unit"),
    ("E218", "invalid-timezone", "a time zone that is not an IANA name such as Asia/Shanghai"),
    ("E219", "not-a-date-attribute", "a yearly trigger on an attribute that is not a date"),
    ("E220", "invalid-aggregate", "an aggregate over an event or field it does not apply to"),
    ("E221", "unknown-content-kind", "a content kind other than the built-in ones"),
    ("E222", "unknown-channel", "a channel other than private_chat, group, moments, sms, email, welcome"),
    ("E223", "unknown-type", "an attribute type other than string, number, bool, date, lunar_date, enum"),
    ("E224", "duplicate-content-field", "a content field given twice in one content block"),
    ("E225", "import-not-playbook", "an import of a file that is not a .sop playbook"),
    ("E226", "unknown-day", "`DATE is NAME` naming no kind of day, festival or date attribute"),
    ("E230", "unknown-phase", "a phase that the campaign does not declare"),
    # E3xx: journey and scenario structure
    ("E301", "journey-without-trigger", "a journey with no `when` clause"),
    ("E302", "misplaced-welcome", "a `welcome` send that is not the first step after `friend_added`"),
    ("E303", "split-not-100-percent", "split arm shares that do not add up to 100%"),
    ("E304", "duplicate-label", "a step label used twice in one journey"),
    ("E305", "duplicate-clause", "a journey clause that may appear once, given twice"),
    ("E306", "clause-after-step", "a journey clause after the first step"),
    ("E307", "duplicate-arm", "two split arms with the same name"),
    ("E308", "zero-repeat", "a repeat that runs no rounds or waits no time between them"),
    ("E309", "invalid-cap", "a cap or quota of zero sends or over a zero window"),
    ("E310", "empty-window", "a `within` window or wait of zero length"),
    ("E311", "probability-out-of-range", "a probability outside 0%-100%"),
    ("E312", "shares-not-100-percent", "scenario shares that do not add up to 100%"),
    ("E313", "invalid-distribution", "distribution parameters that describe no distribution"),
    ("E314", "negative-value", "a count, capacity, rate or cost below zero"),
    ("E315", "welcome-without-trigger", "a `welcome` send in a journey not triggered by `friend_added`"),
    ("E316", "invalid-step-context", "a step used where it has no meaning"),
    ("E317", "invalid-scenario-key", "a scenario setting that does not exist or repeats"),
    ("E318", "wrong-value-kind", "a scenario value of the wrong kind (a percentage for a rate)"),
    ("E319", "duplicate-split", "two splits with the same name in one journey"),
    ("E320", "simulation-too-large", "a scenario larger than sopdsl simulates (replications, horizon, customers, staff, seed)"),
    ("E321", "date-out-of-range", "a scenario `start` outside 1970-01-01 to 9800-12-31"),
    ("E322", "customer-only-in-group-journey", "a clause, trigger, step or fact about a customer in a journey `for groups`"),
    ("E323", "unknown-journey-entity", "`for` naming something other than `groups` after a journey's name"),
    ("E326", "per-customer-not-here", "`per customer` on a value drawn once per replication"),
    ("E327", "two-purchase-processes", "a `purchase` block with both `daily` and `bgnbd`"),
    ("E328", "drawn-twice", "a model's parameter written as a distribution and in its `log_covariance`"),
    ("E330", "invalid-month-day", "`every month on N` with N outside 1-31"),
    ("E331", "overlapping-phases", "campaign phases that share a name or a day"),
    ("E332", "unknown-workdays", "a `workdays` setting naming no working-day calendar"),
    ("W333", "date-outside-holiday-calendar", "a date, scenario or plan window outside the years the statutory holiday calendar covers, in a playbook that reads it: those days count Monday to Friday"),
    # W4xx: lint warnings (dead code, style, logic)
    ("W401", "unused-content", "a content that no step, event or goal uses"),
    ("W402", "unused-segment", "a segment that no expression or trigger uses"),
    ("W403", "unused-role", "a role that no step or scenario uses"),
    ("W404", "unused-attribute", "a declared attribute that nothing reads or sets"),
    ("W405", "unused-event", "a declared event that nothing waits for, counts or triggers on"),
    ("W406", "unreachable-step", "a step that can never run, e.g. after an `exit`"),
    ("W407", "branch-never-taken", "a branch whose condition contradicts the audience or an enclosing condition"),
    ("W408", "condition-never-holds", "a condition that no customer can meet"),
    ("W409", "condition-always-holds", "a condition that every customer meets"),
    ("W410", "impossible-wait-event", "a `wait for` event that cannot happen on any path to it"),
    ("W411", "journey-without-goal", "a journey with no `goal`, so its success cannot be measured"),
    ("W412", "endless-repeat", "a long repeat with no `until` and no way out that keeps customers in"),
    ("W413", "empty-branch", "an `if` branch, `wait for` arm or repeat body with no steps"),
    ("W414", "redundant-exit", "an `exit` where the journey ends anyway"),
    ("W415", "goal-never-prompted", "a goal event about content the journey never sends"),
    ("W416", "zero-percent-arm", "a split arm that gets 0% of customers"),
    ("W417", "handoff-to-current-owner", "a `handoff` to the role that already owns the customer"),
    ("W418", "placeholder-on-broadcast-channel", "a personalised content posted where it cannot be personalised"),
    ("W419", "unused-suppression", "a `# sopdsl: ignore[...]` that silences nothing"),
    ("W420", "invalid-suppression", "a `# sopdsl: ignore[...]` that names no suppressible code"),
    ("W421", "wait-for-goal-event", "a `wait for` whose `then` arm a terminal goal on the same event makes dead"),
    # W5xx: operational risk (caps, quiet hours, workload)
    ("W501", "send-in-quiet-hours", "a send `at` a time inside the playbook's quiet hours"),
    ("W502", "schedule-in-quiet-hours", "a wait or trigger time inside the playbook's quiet hours"),
    ("W503", "journey-over-frequency-cap", "a journey whose own sends can exceed the playbook frequency_cap"),
    ("W504", "journey-over-cap", "a journey whose sends can exceed its own `cap`"),
    ("W505", "journey-over-mass-quota", "a journey whose mass sends can exceed the WeCom mass_quota"),
    ("W506", "playbook-over-frequency-cap", "journeys that together can exceed the frequency_cap for one customer"),
    ("W507", "playbook-over-mass-quota", "journeys that together can exceed the mass_quota for one customer"),
    ("W508", "overlapping-journeys", "two journeys on one trigger that message the same customer on one day"),
    ("W509", "reentry-always-without-cap", "`reentry always` on an event trigger with no `cap`"),
    ("W510", "task-due-too-short", "a staff task due sooner than the staff working day allows"),
    ("W511", "sms-without-unfriend-exit", "SMS sends in a journey that does not exit on `friend_deleted`"),
    ("W512", "group-over-quota", "a group calendar that posts more often than a customer group's monthly quota allows"),
    ("W513", "group-send-without-membership", "a customer journey that posts `via group` to customers who may be in no group"),
    # E6xx: customer, event and staff data read by `sopdsl plan`
    ("E601", "unreadable-data-file", "a data file that cannot be read as UTF-8 CSV or JSON Lines"),
    ("E602", "missing-column", "a data file without a column it needs, such as customer_id"),
    ("W603", "unknown-column", "a column that is neither documented nor a playbook attribute"),
    ("E604", "bad-value", "a value that does not fit its column (number, date, time, stage...)"),
    ("W605", "unknown-event-name", "an event that the playbook neither builds in nor declares"),
    ("E606", "bad-row", "a line that is not a row: broken JSON, a broken CSV quote, or too many CSV fields"),
    ("E607", "rows-out-of-order", "rows that are not sorted by customer_id"),
    ("E608", "duplicate-customer", "a customer id given twice in the customers file"),
    ("E609", "event-without-customer", "an event for a customer the customers file does not list"),
    ("E610", "event-after-start", "an event at or after --start (of a plan or a forecast)"),
    ("E611", "too-many-data-errors", "more bad rows than are worth reporting for one file"),
    ("E612", "unknown-group", "a `joined_group` or `left_group` row naming a group the groups file does not list"),
    ("E613", "duplicate-group", "a group id given twice in the groups file"),
    ("W614", "event-after-until", "events at or after `calibrate --until`, which it does not use"),
    ("E615", "response-before-send", "an open, click or reply before any send on its channel"),
    # E62x: plan files, ledgers and push configuration read by `sopdsl push`
    ("E620", "unreadable-plan", "a plan file that is missing, a folder or not UTF-8"),
    ("E621", "plan-not-json", "a plan file that is not JSON"),
    ("E622", "not-a-plan", "JSON that is not a sopdsl plan"),
    ("E623", "unsupported-plan-version", "a plan in a format version this sopdsl does not read"),
    ("E624", "invalid-plan-task", "a task that does not match the plan format"),
    ("E625", "unreadable-ledger", "a push ledger that is corrupt, locked or not a ledger"),
    ("E626", "bad-push-config", "a push configuration file that cannot be read or used"),
    # E63x: forecast reports read back (`sopdsl graph --report`)
    ("E630", "unreadable-report", "a forecast report file that is missing, not a regular file or not UTF-8"),
    ("E631", "not-a-report", "a file that is not a forecast report of the playbook"),
)
