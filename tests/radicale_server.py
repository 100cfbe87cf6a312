"""A real Radicale CalDAV server for the tests, on loopback, with plain-text passwords."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import caldav
import pytest
from loopback import free_port

STARTUP_SECONDS = 30.0
_accounts = itertools.count(1)


@dataclass(frozen=True)
class RadicaleServer:
    """A running Radicale: its URL and the htpasswd file it reads at every login."""

    url: str
    users: Path

    def add_user(self, name: str, password: str) -> None:
        """Give `name` an account (Radicale rereads the file, no restart needed)."""
        with self.users.open("a", encoding="utf-8") as out:
            out.write(f"{name}:{password}\n")

    def new_account(self, password: str) -> str:
        """A user of its own, with no calendars yet, for one test."""
        name = f"user{next(_accounts)}"
        self.add_user(name, password)
        return name


def read_todos(url: str, username: str, password: str) -> dict[str, list]:
    """A user's to-dos read back with the caldav client, per calendar display name."""
    with caldav.DAVClient(url=url, username=username, password=password) as client:
        return {calendar.get_display_name(): [todo.icalendar_component for todo in
                                              calendar.todos(include_completed=True)]
                for calendar in client.principal().calendars()}




def _config(folder: Path, port: int, users: Path) -> str:
    return (f"[server]\nhosts = 127.0.0.1:{port}\n"
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {users}\n"
            "htpasswd_encryption = plain\ndelay = 0\n"
            f"[storage]\nfilesystem_folder = {folder / 'storage'}\n"
            "[rights]\ntype = owner_only\n[web]\ntype = none\n"
            "[logging]\nlevel = warning\n")


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False
    return True


@contextmanager
def radicale(folder: Path) -> Iterator[RadicaleServer]:
    """Radicale serving from `folder` until the block ends; it is killed afterwards."""
    port, users = free_port(), folder / "users"
    users.write_text("", encoding="utf-8")
    config = folder / "config"
    config.write_text(_config(folder, port, users), encoding="utf-8")
    log = (folder / "radicale.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("radicale did not start: "
                                   + (folder / "radicale.log").read_text())
            time.sleep(0.1)
        yield RadicaleServer(url, users)
    finally:
        process.kill()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def radicale_server(tmp_path_factory) -> Iterator[RadicaleServer]:
    """One Radicale for the test session (import this fixture into a test module)."""
    with radicale(tmp_path_factory.mktemp("radicale")) as running:
        yield running
