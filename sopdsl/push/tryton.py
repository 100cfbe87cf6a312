"""The `tryton` target: a project per plan run and a task work per staff task, over JSON-RPC.

Each request carries up to `batch_size` tasks of one run. Sending it finds or creates the run's
project, finds or creates the customers' parties (by code), skips the tasks Tryton already holds
(by the key line in their comment), and creates the rest in one `project.work.create` call.
With Tryton's `project_plan` module the assignee becomes an allocation and the due time the
work's constraint finish time; without it both stay in the comment only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, ClassVar

from sopdsl.planning.model import PlanTask
from sopdsl.push.target import (
    Batch, CredentialsError, Delivery, PlanRun, TargetSettings, SettingsError, address,
)
from sopdsl.push.tryton_records import keys_in, party_record, project_record, work_record
from sopdsl.push.tryton_rpc import TrytonClient, TrytonUserError, encode_datetime

OPERATION = "project.work.create"
BATCH_SIZE = 250
_CONTEXT_KEYS = ("language", "company", "companies", "employees", "company_filter")


def _number(settings: TargetSettings, key: str, default: str) -> float:
    value = settings.get(key, default) or default
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number < math.inf:
        raise SettingsError(f"the tryton target's `{key}` must be a positive number, "
                            f"not `{value}`")
    return number


class TrytonTarget:
    """Plan tasks as Tryton project works (settings: url, database, user, password,
    company, timeout, batch_size)."""

    name: ClassVar[str] = "tryton"
    secret_keys: ClassVar[frozenset[str]] = frozenset({"password"})
    idempotent: ClassVar[bool] = True  # every send first looks the keys up

    def __init__(self, settings: TargetSettings) -> None:
        self.url = settings.require("url")
        self.database = settings.require("database")
        self.destination = f"{address(self.url, self.name).rstrip('/')}/{self.database}"
        self.user = settings.require("user")
        self._password = settings.require("password")
        self.company = settings.get("company")
        self.timeout = settings.seconds("timeout", "30")
        self.batch_size = int(_number(settings, "batch_size", str(BATCH_SIZE)))
        self._client: TrytonClient | None = None
        self._session: _Session | None = None

    def takes(self, task: PlanTask) -> bool:
        """Work for a person about one customer: staff tasks, alerts, handoffs and chats (a
        batch is one WeCom task for many customers: `--to wecom` creates it)."""
        return task.staff_work and task.customer is not None

    def batches(self, run: PlanRun, tasks: Iterable[PlanTask]) -> Iterator[Batch]:
        """Requests of up to `batch_size` tasks, each naming the run's project."""
        project = project_record(run)
        stream = iter(tasks)
        while chunk := list(islice(stream, self.batch_size)):
            parties = {task.customer: party_record(task) for task in chunk}
            yield Batch(tuple(task.key for task in chunk), OPERATION,
                        {"project": project, "parties": list(parties.values()),
                         "works": [work_record(task) for task in chunk]})

    def send(self, batch: Batch) -> Delivery:
        """Create the batch's works that Tryton does not hold yet."""
        session = self._open()
        project = session.project(batch.payload["project"])
        parties = session.parties(batch.payload["parties"])
        works = batch.payload["works"]
        held = session.held_keys(list(parties.values()))
        employees = session.employees({w["assignee"] for w in works if w["assignee"]})
        rejected: dict[str, str] = {}
        values: list[tuple[str, dict[str, Any]]] = []
        for work in works:
            if work["key"] in held:
                continue
            if work["assignee"] and employees.get(work["assignee"]) is None:
                rejected[work["key"]] = (f"no Tryton employee has the WeCom id "
                                         f"`{work['assignee']}`")
                continue
            values.append((work["key"], session.work_values(work, project, parties, employees)))
        rejected.update(session.create_works(values))
        return Delivery(str(project), rejected)

    def close(self) -> None:
        """Release the connection."""
        if self._client is not None:
            self._client.close()
            self._client = None
            self._session = None

    def _open(self) -> _Session:
        if self._session is None:
            if self._client is None:
                self._client = TrytonClient(self.url, self.database, self.user, self._password,
                                            self.timeout)
            self._session = _Session.start(self._client, self.company)
        return self._session


class _Session:
    """What one push learns from Tryton: context, company, features and ids by key."""

    def __init__(self, client: TrytonClient, context: dict[str, Any], planning: bool) -> None:
        self.client = client
        self.context = context
        self.company = context["company"]
        self.planning = planning  # project_plan activated: allocations and constraint times
        self.projects: dict[str, int] = {}
        self.staff: dict[str, int | None] = {}

    @classmethod
    def start(cls, client: TrytonClient, company: str | None) -> _Session:
        """Log in and settle the company the works belong to."""
        preferences = client.call("model.res.user.get_preferences", True, {})
        context = {key: preferences[key] for key in _CONTEXT_KEYS if key in preferences}
        if company:
            context["company"] = _company_id(client, context, company)
            context["companies"] = [context["company"]]
        if not context.get("company"):
            raise CredentialsError(f"the Tryton user `{client.user}` has no company: set "
                                   f"`company` or give the user one")
        fields = client.call("model.project.work.fields_get",
                             ["allocations", "constraint_finish_time"], context)
        return cls(client, context, {"allocations", "constraint_finish_time"} <= set(fields))

    def call(self, model: str, method: str, *params: Any) -> Any:
        """A model method called with the session's context."""
        return self.client.call(f"model.{model}.{method}", *params, self.context)

    def project(self, record: dict[str, Any]) -> int:
        """The run's project id, created on first use."""
        key = record["key"]
        if key not in self.projects:
            found = self.call("project.work", "search",
                              [("type", "=", "project"), ("company", "=", self.company),
                               ("comment", "like", f"%sopdsl-run: {key}%")], 0, 1, None)
            self.projects[key] = found[0] if found else self.call(
                "project.work", "create",
                [{"name": record["name"], "type": "project", "company": self.company,
                  "comment": record["comment"]}])[0]
        return self.projects[key]

    def parties(self, records: list[dict[str, str]]) -> dict[str, int]:
        """Party ids by customer id; customers Tryton does not know yet are created."""
        codes = [record["code"] for record in records]
        found = self.call("party.party", "search_read", [("code", "in", codes)], 0, None, None,
                          ["code"])
        ids = {row["code"]: row["id"] for row in found}
        missing = [record for record in records if record["code"] not in ids]
        if missing:
            created = self.call("party.party", "create", missing)
            ids.update(zip((record["code"] for record in missing), created))
        return ids

    def held_keys(self, party_ids: list[int]) -> set[str]:
        """The keys of the task works Tryton already holds for these parties."""
        rows = self.call("project.work", "search_read",
                         [("type", "=", "task"), ("party", "in", party_ids)], 0, None, None,
                         ["comment"])
        return keys_in([row["comment"] for row in rows])

    def employees(self, staff_ids: set[str]) -> dict[str, int | None]:
        """Employee ids by WeCom userid (an identifier of the employee's party)."""
        unknown = sorted(staff_ids - self.staff.keys())
        if unknown:
            rows = self.call("party.identifier", "search_read", [("code", "in", unknown)],
                             0, None, None, ["code", "party"])
            party_staff = {row["party"]: row["code"] for row in rows}
            employees = self.call("company.employee", "search_read",
                                  [("party", "in", list(party_staff)),
                                   ("company", "=", self.company)], 0, None, None, ["party"])
            self.staff.update(dict.fromkeys(unknown))
            self.staff.update({party_staff[row["party"]]: row["id"] for row in employees})
        return self.staff

    def work_values(self, work: dict[str, Any], project: int, parties: dict[str, int],
                    employees: dict[str, int | None]) -> dict[str, Any]:
        """The values `project.work.create` takes for one work."""
        values = {"name": work["name"], "type": "task", "company": self.company,
                  "parent": project, "party": parties[work["party"]],
                  "comment": work["comment"]}
        if self.planning:
            values["constraint_finish_time"] = encode_datetime(
                dt.datetime.fromisoformat(work["due"]))
            if work["assignee"]:
                values["allocations"] = [["create", [{"employee": employees[work["assignee"]],
                                                      "percentage": 100}]]]
        return values

    def create_works(self, values: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
        """Create the works; the reasons Tryton gave for those it refused, by key."""
        if not values:
            return {}
        try:
            self.call("project.work", "create", [record for _, record in values])
        except TrytonUserError as error:
            if len(values) == 1:
                return {values[0][0]: str(error)}
            # Tryton refuses a whole request for one bad record: halve to find it.
            middle = len(values) // 2
            return self.create_works(values[:middle]) | self.create_works(values[middle:])
        return {}


def _company_id(client: TrytonClient, context: dict[str, Any], company: str) -> int:
    """The id of the company named by the `company` setting (its id or its name)."""
    domain = [("id", "=", int(company))] if company.isdigit() else [("party.name", "=", company)]
    found = client.call("model.company.company.search", domain, 0, 1, None, context)
    if not found:
        raise CredentialsError(f"Tryton has no company `{company}` the user `{client.user}` "
                               f"may work for")
    return found[0]

