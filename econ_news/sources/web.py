"""Fetching pages over HTTP(S), politely: robots.txt, a per-host concurrency and rate limit, conditional
requests, timeouts and a size cap.

Retrying is not done here: a failure worth retrying (timeout, connection error, 5xx, 429) raises
TransientFetchError, and the Prefect task around the call retries it with exponential backoff. Every other
outcome (404, disallowed by robots.txt, too large, not a page) is an answer, returned as a Response.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from econ_news.sources.config import FetchSettings

# A whole request (redirects and body included) may take this many times the per-operation timeout: a
# server that trickles a byte just inside each read timeout must still not hold a worker all night.
REQUEST_DEADLINE_FACTOR = 5
# RFC 9309: crawlers may cap the robots.txt they read; 500 KiB is the RFC's floor.
MAX_ROBOTS_BYTES = 500 * 1024
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
# Statuses that mean "try again later" rather than "no".
TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}


class TransientFetchError(RuntimeError):
    """The server did not answer usefully this time (timeout, connection error, 5xx, 429): retry later."""


@dataclass(frozen=True)
class Response:
    outcome: str  # fetched | not_modified | http_error | disallowed | oversized | unsupported_media_type
    #               | unsupported_scheme | redirected_off_host | too_many_redirects
    url: str  # as requested
    final_url: str = ""  # after same-host redirects
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    media_type: str = ""
    charset: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Robots:
    """An origin's robots.txt as fetched. rules None: no robots.txt (4xx), everything is allowed."""

    origin: str
    rules: str | None
    disallow_all: bool = False  # the server could not say (5xx, unreachable): RFC 9309 says stay out

    def allows(self, url: str, user_agent: str) -> bool:
        if self.disallow_all:
            return False
        if self.rules is None:
            return True
        return self._parser().can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float:
        if self.rules is None or self.disallow_all:
            return 0.0
        return float(self._parser().crawl_delay(user_agent) or 0.0)

    def _parser(self) -> RobotFileParser:
        parser = RobotFileParser()
        parser.parse(self.rules.splitlines())
        return parser


class HostLimiter:
    """At most N requests in flight per host, and request starts spaced 1/rate seconds apart per host.

    One per process, shared by the task threads of a flow run (tasks/ keeps it); a Crawl-delay in the
    host's robots.txt widens the spacing.
    """

    def __init__(self, per_host_concurrency: int, per_host_requests_per_second: float):
        self.concurrency = per_host_concurrency
        self.interval = 1.0 / per_host_requests_per_second
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = defaultdict(float)

    @contextmanager
    def slot(self, host: str, min_interval: float = 0.0) -> Iterator[None]:
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self.concurrency))
        with semaphore:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start[host])
                self._next_start[host] = start + max(self.interval, min_interval)
            time.sleep(start - now)
            yield


def make_client(settings: FetchSettings) -> httpx.Client:
    """One client per process: a connection pool shared by all task threads (httpx clients are thread-safe)."""
    return httpx.Client(timeout=httpx.Timeout(settings.timeout_seconds), follow_redirects=False,
                        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"})


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def read_robots(client: httpx.Client, origin: str, settings: FetchSettings, limiter: HostLimiter) -> Robots:
    """The origin's robots.txt; raises TransientFetchError on 5xx, timeouts and connection errors."""
    got = _get(client, f"{origin}/robots.txt", settings, limiter, Robots(origin, None), {}, MAX_ROBOTS_BYTES,
               accept=None)
    if got.outcome == "fetched":
        return Robots(origin, (got.body or b"").decode("utf-8", errors="replace"))
    return Robots(origin, None)  # 4xx, oversized, off-host redirect: no usable rules, so no restrictions


def fetch(client: httpx.Client, url: str, settings: FetchSettings, limiter: HostLimiter, robots: Robots,
          validators: dict, accept: frozenset[str] | None) -> Response:
    """GET one URL: conditional on the validators of its last fetch, same-host redirects followed.

    accept: the media types worth keeping (others are answered with unsupported_media_type); None: any.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        return Response("unsupported_scheme", url, detail="only http and https are fetched")
    return _get(client, url, settings, limiter, robots, validators, settings.max_bytes, accept)


def _get(client: httpx.Client, url: str, settings: FetchSettings, limiter: HostLimiter, robots: Robots,
         validators: dict, max_bytes: int, accept: frozenset[str] | None) -> Response:
    deadline = time.monotonic() + REQUEST_DEADLINE_FACTOR * settings.timeout_seconds
    host = urlsplit(url).hostname or ""
    current = url
    conditional = {k: v for k, v in (("If-None-Match", validators.get("etag")),
                                     ("If-Modified-Since", validators.get("last_modified"))) if v}
    for _ in range(settings.max_redirects + 1):
        if not robots.allows(current, settings.user_agent):
            return Response("disallowed", url, current, detail=f"robots.txt of {robots.origin}")
        try:
            with limiter.slot(host, robots.crawl_delay(settings.user_agent)):
                with client.stream("GET", current, headers=conditional if current == url else {}) as reply:
                    if reply.status_code in REDIRECT_STATUSES and "location" in reply.headers:
                        target = urljoin(current, reply.headers["location"])
                        parts = urlsplit(target)
                        if parts.scheme not in ("http", "https") or parts.hostname != host:
                            return Response("redirected_off_host", url, current, reply.status_code,
                                            detail=f"to {target}")
                        current = target
                        continue
                    return _answer(reply, url, current, max_bytes, accept, deadline)
        except httpx.TimeoutException as exc:
            raise TransientFetchError(f"{url}: timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise TransientFetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
    return Response("too_many_redirects", url, current, detail=f"more than {settings.max_redirects}")


def _answer(reply: httpx.Response, url: str, final_url: str, max_bytes: int, accept: frozenset[str] | None,
            deadline: float) -> Response:
    headers = {k.lower(): v for k, v in reply.headers.items()}
    status = reply.status_code
    if status in TRANSIENT_STATUSES:
        raise TransientFetchError(f"{url}: HTTP {status}")
    if status == 304:
        return Response("not_modified", url, final_url, status, headers)
    if status != 200:
        return Response("http_error", url, final_url, status, headers, detail=f"HTTP {status}")
    media_type, charset = _content_type(headers.get("content-type", ""))
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return Response("oversized", url, final_url, status, headers, detail=f"{declared} bytes > {max_bytes}")
    body = bytearray()
    for chunk in reply.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            return Response("oversized", url, final_url, status, headers, detail=f"more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise TransientFetchError(f"{url}: body not complete within the request deadline")
    if not media_type:
        media_type = "text/html" if bytes(body[:512]).lstrip().startswith(b"<") else "text/plain"
    if accept is not None and media_type not in accept:
        return Response("unsupported_media_type", url, final_url, status, headers, detail=media_type)
    return Response("fetched", url, final_url, status, headers, bytes(body), media_type, charset)


def _content_type(value: str) -> tuple[str, str]:
    media_type, _, params = value.partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'")
    return media_type.strip().lower(), charset
