"""A careless server on loopback: every answer is an error that echoes the request back (its
request line, headers and body) after strings the test plants, as some servers put what they
were sent into their error messages. `reply` shapes the answer for the client under test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Reply = Callable[[str], tuple[int, str, str]]  # echoed text -> status, content type, body


class EchoServer:
    """The server's address and what it plants in its answers."""

    def __init__(self, server: ThreadingHTTPServer, reply: Reply) -> None:
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self.reply = reply
        self.planted: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    echo: EchoServer

    def answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        echoed = "\n".join([*self.echo.planted, self.requestline, str(self.headers),
                            body.decode("utf-8", "replace")])
        status, content_type, text = self.echo.reply(echoed)
        reply = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_PUT = do_PROPFIND = do_REPORT = do_OPTIONS = do_MKCALENDAR = answer

    def log_message(self, *args: object) -> None:
        """Keep the test output quiet."""


@contextmanager
def echo_server(reply: Reply) -> Iterator[EchoServer]:
    """An echoing server on a free port until the block ends."""
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    handler.echo = EchoServer(server, reply)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler.echo
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
