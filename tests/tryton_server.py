"""A real Tryton server for the push tests: a prepared SQLite database and a trytond process.

`prepare_database` creates the database with the project modules, then a company (CNY,
Asia/Shanghai) and one employee per staff member, whose party carries the WeCom userid as an
identifier. Changes made out of process are only seen by a server started afterwards, so the
database is complete before `TrytonServer.start`. Run as a script, this module is the proteus
bootstrap step (`python tryton_server.py bootstrap CONFIG DATABASE STAFF_CSV`).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from loopback import free_port

DATABASE = "crm"
ADMIN_PASSWORD = "admin-secret-密码"
MODULES = ("party", "company", "project", "project_plan")
COMPANY = "贝贝熊母婴"
READY_TIMEOUT = 30.0
BIN = Path(sys.executable).parent
STAFF_CSV = Path(__file__).resolve().parent.parent / "playbooks" / "data" / "staff.csv"




def write_config(folder: Path, port: int) -> Path:
    """A trytond configuration keeping its SQLite files in `folder` and listening on `port`."""
    config = folder / "trytond.conf"
    config.write_text(f"[database]\nuri = sqlite://\npath = {folder}\n\n"
                      f"[web]\nlisten = 127.0.0.1:{port}\n", encoding="utf-8")
    return config


def prepare_database(folder: Path, staff_csv: Path, modules: tuple[str, ...] = MODULES) -> Path:
    """A database file with the modules activated, a company and the staff as employees."""
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, free_port())
    (folder / f"{DATABASE}.sqlite").touch()
    passfile = folder / "admin-password"
    passfile.write_text(ADMIN_PASSWORD + "\n", encoding="utf-8")
    env = {**os.environ, "TRYTONPASSFILE": str(passfile)}
    subprocess.run([str(BIN / "trytond-admin"), "-c", str(config), "-d", DATABASE, "--all",
                    "-u", *modules, "--activate-dependencies", "--email", "admin@example.com"],
                   env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, __file__, "bootstrap", str(config), DATABASE, str(staff_csv)],
                   check=True, capture_output=True)
    return folder / f"{DATABASE}.sqlite"


def bootstrap(config: str, database: str, staff_csv: str) -> None:
    """Create the currency, the company and the employees with proteus (run in its own process)."""
    from proteus import Model
    from proteus import config as proteus_config

    proteus_config.set_trytond(database=database, config_file=config)
    currency = Model.get("currency.currency")(name="人民币", code="CNY", symbol="¥")
    currency.save()
    party = Model.get("party.party")
    company_party = party(name=COMPANY)
    company_party.save()
    company = Model.get("company.company")(party=company_party, currency=currency,
                                           timezone="Asia/Shanghai")
    company.save()
    user = Model.get("res.user")(proteus_config.get_config().user)
    user.companies.append(company)
    user.company = company
    user.save()
    employee = Model.get("company.employee")
    with open(staff_csv, encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            person = party(name=row["name"])
            person.identifiers.new(code=row["staff_id"])
            person.save()
            employee(party=person, company=company).save()


@pytest.fixture(scope="session")
def tryton_database(tmp_path_factory) -> Path:
    """A prepared database file with the sample staff, made once per test session."""
    folder = tmp_path_factory.getbasetemp() / "tryton-prepared"
    database = folder / f"{DATABASE}.sqlite"
    if not (folder / "prepared").exists():
        prepare_database(folder, STAFF_CSV)
        (folder / "prepared").touch()
    return database


@pytest.fixture(scope="module")
def tryton(tryton_database, tmp_path_factory):
    """A Tryton server over this test module's own copy of the prepared database."""
    running = TrytonServer.from_prepared(tryton_database, tmp_path_factory.mktemp("tryton"))
    yield running.start()
    running.stop()


@dataclass
class TrytonServer:
    """A trytond process serving one copy of a prepared database on 127.0.0.1."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @classmethod
    def from_prepared(cls, database_file: Path, folder: Path) -> TrytonServer:
        """A server over a private copy of a prepared database (not started yet)."""
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(database_file, folder / f"{DATABASE}.sqlite")
        return cls(folder)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TrytonServer:
        """Start trytond and wait (bounded) until it answers JSON-RPC."""
        config = write_config(self.folder, self.port)
        log = open(self.folder / "trytond.log", "ab")
        self.process = subprocess.Popen(
            [str(BIN / "trytond"), "-c", str(config), "-d", DATABASE],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready()
        return self

    def stop(self) -> None:
        """Stop the server (killed when it does not stop within a few seconds)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        body = {"id": 0, "method": "common.server.version", "params": []}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"trytond exited: see {self.folder / 'trytond.log'}")
            try:
                if httpx.post(f"{self.url}/rpc/", json=body, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"trytond did not answer within {READY_TIMEOUT:.0f}s")


if __name__ == "__main__" and sys.argv[1:2] == ["bootstrap"]:
    bootstrap(*sys.argv[2:5])
