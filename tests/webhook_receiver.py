"""A real local HTTP receiver for webhook tests: records what arrives, answers from a script.

Each script entry answers one request: an int is a status (2xx records the event), a
(status, headers[, body]) tuple adds headers and a body, "hang" answers nothing until the
receiver stops, a function is called and the request accepted. With the script empty every
request is accepted. Events are deduplicated by CloudEvents `id` as a
receiver should, and every delivery is also kept in `deliveries`.

Run as a script (`python webhook_receiver.py PORT LOG`), it is a receiver of its own process,
which a test can kill: it accepts every event and appends its id to LOG before answering, so
an event it answered is always in LOG.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from loopback import free_port

HANG = "hang"


class Receiver:
    """The receiver's state, shared with its request handler threads."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}/events"
        self.script: list[Any] = []
        self.deliveries: list[dict[str, Any]] = []  # accepted requests: headers and body
        self.events: dict[str, dict[str, Any]] = {}  # accepted events by id
        self.requests = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def answer(self) -> Any:
        with self.lock:
            self.requests += 1
            return self.script.pop(0) if self.script else 200

    def record(self, headers: dict[str, str], body: bytes) -> None:
        event = json.loads(body)
        with self.lock:
            self.deliveries.append({"headers": headers, "body": body, "event": event})
            self.events.setdefault(event["id"], event)


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answer = self.receiver.answer()
        if callable(answer):
            answer()
            answer = 200
        if answer == HANG:
            self.receiver.stopping.wait(10)
            return
        status, headers, *reply = answer if isinstance(answer, tuple) else (answer, {})
        if 200 <= status < 300:
            self.receiver.record(dict(self.headers), body)
        default = b'{"ok": true}' if status < 300 else f'{{"error": {status}}}'.encode()
        reply = reply[0] if reply else default
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 and a free port, serving in a thread until the block ends."""
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    receiver = Receiver(server)
    handler.receiver = receiver
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running receiver for one test."""
    with running_receiver() as running:
        yield running


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/events"


class _Logging(BaseHTTPRequestHandler):
    log: int  # a descriptor open for appending
    delay: float

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.delay)  # a receiver that does some work: kills land mid-request
        os.write(self.log, json.loads(body)["id"].encode() + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


def serve_to_log(port: int, log: str, delay: float) -> None:
    """Accept events on 127.0.0.1:`port` until killed, appending each id to `log`."""
    handler = type("Handler", (_Logging,), {
        "log": os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644), "delay": delay})
    ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()


if __name__ == "__main__":
    serve_to_log(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0)
