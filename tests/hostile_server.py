"""Servers on 127.0.0.1 that try to hurt a crawler: a decompression bomb, responses that drip one byte at a
time, redirects to another port, feeds that point elsewhere, robots.txt files that are too long.

Built on tests/pages_server.py's PageServer: a path in `actions` is answered by that function (handler ->
None) instead of a Route, so one server can mix ordinary pages with attacks.
"""
from __future__ import annotations

import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from tests.pages_server import PageServer, Route

Action = Callable[[BaseHTTPRequestHandler], None]
# A dripping response stops by itself after this long, so no server thread outlives a test by much.
DRIP_LIMIT_SECONDS = 60.0


class HostileServer(PageServer):
    def __init__(self, routes: dict[str, Route] | None = None, actions: dict[str, Action] | None = None,
                 host: str = "127.0.0.1"):
        super().__init__(routes or {}, host)
        self.actions = actions or {}

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        action = self.actions.get(handler.path)
        if action is None:
            return super()._serve(handler)
        with self._lock:
            self.hits[handler.path] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            action(handler)
        except (BrokenPipeError, ConnectionResetError):  # the client hung up: what an attack hopes to avoid
            pass
        finally:
            with self._lock:
                self.in_flight -= 1


def drip(data: bytes, every: float) -> Action:
    """Send data one byte every `every` seconds (a status line and headers that never end, or a body)."""

    def action(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        started = time.monotonic()
        for i in range(len(data)):
            if time.monotonic() - started > DRIP_LIMIT_SECONDS:
                return
            handler.wfile.write(data[i : i + 1])
            handler.wfile.flush()
            time.sleep(every)

    return action


def drip_headers(every: float) -> Action:
    """A status line, then a header whose bytes come one at a time and never end."""
    return drip(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"a" * 100_000, every)


def drip_body(every: float) -> Action:
    """Headers at once, then a body of one byte at a time."""
    body = b"<html>" + b"x" * 100_000
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\n\r\n")

    def action(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(head)
        drip(body, every)(handler)

    return action


def raw_reply(status: int, headers: dict[str, str], body: bytes = b"") -> Action:
    def action(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return action


def gzip_bomb(decoded_bytes: int, layers: int = 2) -> bytes:
    """decoded_bytes of zeros, gzipped `layers` times: a few KB that inflate to decoded_bytes."""
    data = _gzip_stream(iter(lambda: b"\0" * (1 << 20), None), decoded_bytes >> 20)
    for _ in range(layers - 1):
        data = _gzip_stream(iter([data]), 1)
    return data


def _gzip_stream(chunks, count: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = []
    for _, chunk in zip(range(count), chunks):
        out.append(compressor.compress(chunk))
    out.append(compressor.flush())
    return b"".join(out)


class Overlap:
    """Requests being answered at once, over several servers: in all and per server. A request counts from
    its arrival until just before its reply is written, so a client that has its answer has been counted
    out (no race with the server thread's bookkeeping)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.now, self.most = 0, 0
        self.now_at: Counter = Counter()
        self.most_at: Counter = Counter()

    def slow_page(self, where: str, body: bytes, seconds: float) -> Action:
        reply = raw_reply(200, {"Content-Type": "text/html; charset=utf-8"}, body)

        def action(handler: BaseHTTPRequestHandler) -> None:
            with self._lock:
                self.now += 1
                self.now_at[where] += 1
                self.most = max(self.most, self.now)
                self.most_at[where] = max(self.most_at[where], self.now_at[where])
            time.sleep(seconds)
            with self._lock:
                self.now -= 1
                self.now_at[where] -= 1
            reply(handler)

        return action
