"""Fetching pages over HTTP(S), politely and defensively: robots.txt (RFC 9309, through protego), a per-host
concurrency and rate limit, conditional requests, one deadline per request, and caps on what a server can
make us hold.

Defences, each against a server that wants to hurt us (tests/test_fetch_attacks.py plays each one):
- Addresses: a host is resolved here, every address it resolves to is checked against the source's
  AddressPolicy (loopback, private, link-local, multicast, unspecified and other non-global addresses are
  refused unless the source names them), and the connection goes to the address that was checked, so a
  DNS answer that changes between the check and the connect (rebinding) cannot move it.
- Redirects: followed on the same origin (scheme, host and port) only.
- Time: one deadline per request, started when the request starts (not while it waits for its host's
  turn), bounds every socket operation of it: connect, TLS, headers and body. A server that drips a byte
  just inside each read timeout is cut at the deadline.
- Size: the body is counted as it arrives and as it is decoded; a `Content-Encoding: gzip, gzip` bomb is
  inflated in bounded steps and stopped at max_bytes of output.

Retrying is not done here: a failure worth retrying (timeout, connection error, 5xx, 429) raises
TransientFetchError, and the Prefect task around the call retries it with exponential backoff. Every other
outcome (404, disallowed by robots.txt, a host that does not resolve, too large, not a page) is an answer,
returned as a Response.
"""
from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import certifi
import httpcore
import httpx
from protego import Protego

from econ_news.sources.config import DEFAULT_PORTS, FetchSettings, host_and_port

# A whole request (redirects and body included) may take this many times the per-operation timeout: a
# server that trickles a byte just inside each read timeout must still not hold a worker all night.
REQUEST_DEADLINE_FACTOR = 5
# RFC 9309: crawlers may cap the robots.txt they read; 500 KiB is the RFC's floor. A longer one is not
# read in part (its rules might end anywhere): the site is skipped for the night.
MAX_ROBOTS_BYTES = 500 * 1024
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
# Statuses that mean "try again later" rather than "no".
TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}
# Content codings we ask for and can undo; anything else is an answer (unsupported_encoding).
DECODABLE = {"gzip", "x-gzip", "deflate", "identity"}
# At most this many bytes come out of one decompression step: a bomb is stopped one step past the cap.
INFLATE_STEP = 64 * 1024
# RFC 6761 section 6.4: names under .invalid never resolve; answer at once rather than ask a resolver.
NEVER_RESOLVES = (".invalid",)


class TransientFetchError(RuntimeError):
    """The server did not answer usefully this time (timeout, connection error, 5xx, 429): retry later."""


class Unresolvable(Exception):
    """The host name does not resolve: an answer for tonight (unreachable), not worth a retry."""


class BlockedAddress(Exception):
    """The host resolves to an address the source does not allow (loopback, private, ...)."""


class DeadlineExceeded(httpcore.TimeoutException):
    """The request's deadline passed during a socket operation."""


@dataclass(frozen=True)
class Response:
    outcome: str  # fetched | not_modified | http_error | disallowed | oversized | unsupported_media_type
    #               | unsupported_scheme | redirected_off_origin | too_many_redirects | unreachable
    #               | blocked_address | unsupported_encoding | bad_encoding | robots_unavailable | invalid_url
    url: str  # as requested
    final_url: str = ""  # after same-origin redirects
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # decoded (Content-Encoding undone)
    media_type: str = ""
    charset: str = ""
    detail: str = ""


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-global addresses a source may reach: none by default; all with allow_private; or the
    address literals its allowed_hosts names (an intranet mirror, a test server on 127.0.0.1)."""

    allow_private: bool = False
    addresses: frozenset[str] = frozenset()

    @classmethod
    def of(cls, allow_private: bool, allowed_hosts: tuple[str, ...] = ()) -> AddressPolicy:
        named = set()
        for host in allowed_hosts:
            try:
                named.add(str(ipaddress.ip_address(host_and_port(host)[0])))
            except ValueError:
                pass  # a name: it widens where feed entries may go, not which addresses are reachable
        return cls(allow_private, frozenset(named))

    def permits(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_global and not ip.is_multicast:
            return True
        return self.allow_private or str(ip) in self.addresses


@dataclass(frozen=True)
class Robots:
    """An origin's robots.txt as fetched. rules None: no robots.txt (4xx), everything is allowed.

    failure: the site is skipped tonight, every URL of it answered with this outcome: robots_unavailable
    (5xx, timeouts, an oversized or unreadable robots.txt: RFC 9309 says assume complete disallow),
    unreachable (the host does not resolve) or blocked_address.
    """

    origin: str
    rules: str | None
    failure: str = ""
    detail: str = ""

    def allows(self, url: str, user_agent: str) -> bool:
        if self.failure:
            return False
        if self.rules is None:
            return True
        return _parsed(self.rules).can_fetch(url, user_agent)

    def crawl_delay(self, user_agent: str) -> float:
        if self.rules is None or self.failure:
            return 0.0
        return float(_parsed(self.rules).crawl_delay(user_agent) or 0.0)


@lru_cache(maxsize=256)
def _parsed(rules: str) -> Protego:
    return Protego.parse(rules)


class HostLimiter:
    """At most N requests in flight per host, and request starts spaced 1/rate seconds apart per host.

    One per process, shared by the fetch threads of a flow run (the flow runs every fetch in its own
    process, so this one limiter sees them all); a Crawl-delay in the host's robots.txt widens the spacing.
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


# The deadline of the request the current thread is making: read by every socket operation of it.
_current = threading.local()
# Name resolution cannot be interrupted: it runs here, and a lookup that outlives its request's deadline
# is left to finish on its own (a few threads at most).
_resolver = ThreadPoolExecutor(max_workers=8, thread_name_prefix="econ-news-resolve")


def _time_left(timeout: float | None) -> float:
    deadline = getattr(_current, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose every operation ends by the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout)))

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class _CheckedBackend(httpcore.NetworkBackend):
    """Resolves the host, refuses it unless every address is allowed, connects to a checked address."""

    def __init__(self, policy: AddressPolicy):
        self.policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options=None) -> httpcore.NetworkStream:
        addresses = resolve(host, port, _time_left(timeout))
        refused = [a for a in addresses if not self.policy.permits(a)]
        if refused:
            raise BlockedAddress(f"{host} resolves to {', '.join(refused)}, which the source does not allow "
                                 "(allow_private, or the address in allowed_hosts)")
        error: Exception | None = None
        for address in addresses:
            try:
                return _DeadlineStream(self._inner.connect_tcp(address, port, _time_left(timeout), local_address,
                                                               socket_options))
            except httpcore.ConnectError as exc:
                error = exc
        raise error  # type: ignore[misc]

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """The addresses of host, in the resolver's order; raises Unresolvable."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    if host.lower().rstrip(".").endswith(NEVER_RESOLVES):
        raise Unresolvable(f"{host} does not resolve (.invalid names never do)")
    lookup = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=timeout)
    except FutureTimeout:
        # No answer is not an answer: the resolver may be slow tonight, so this one is retried.
        raise httpcore.ConnectTimeout(f"{host}: no answer from the resolver within {timeout:.1f} s") from None
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"{host} does not resolve: {exc}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise Unresolvable(f"{host} resolves to no address")
    return addresses


class Client:
    """HTTP/1.1 connections, one pool per address policy (a connection checked for one source is not lent
    to another), shared by all fetch threads of a process."""

    def __init__(self, settings: FetchSettings, ssl_context: ssl.SSLContext | None = None):
        self.user_agent = settings.user_agent
        self.timeout = settings.timeout_seconds
        self.max_connections = settings.fetch_workers
        # The connection goes to a checked address; TLS still names the host (SNI, certificate check).
        self._ssl = ssl_context or ssl.create_default_context(cafile=certifi.where())
        self._pools: dict[AddressPolicy, httpcore.ConnectionPool] = {}
        self._lock = threading.Lock()

    def pool(self, policy: AddressPolicy) -> httpcore.ConnectionPool:
        with self._lock:
            if policy not in self._pools:
                self._pools[policy] = httpcore.ConnectionPool(
                    ssl_context=self._ssl, max_connections=self.max_connections, keepalive_expiry=30.0,
                    network_backend=_CheckedBackend(policy))
            return self._pools[policy]

    def close(self) -> None:
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()


def make_client(settings: FetchSettings) -> Client:
    return Client(settings)


def origin_of(url: str) -> str:
    """scheme://host[:port], lowercased, with the scheme's default port left out."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:  # out of range: no origin a request could reach; keep it apart from every other
        return f"{scheme}://{parts.netloc.lower()}"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + ("" if port == DEFAULT_PORTS.get(scheme) else f":{port}")


def read_robots(client: Client, origin: str, settings: FetchSettings, limiter: HostLimiter,
                policy: AddressPolicy = AddressPolicy()) -> Robots:
    """The origin's robots.txt; raises TransientFetchError on 5xx, timeouts and connection errors (the task
    retries; when the retries are spent the flow records the site as robots_unavailable)."""
    got = _get(client, f"{origin}/robots.txt", settings, limiter, Robots(origin, None), {}, MAX_ROBOTS_BYTES,
               None, policy)
    if got.outcome == "fetched":
        return Robots(origin, (got.body or b"").decode("utf-8", errors="replace"))
    if got.outcome == "http_error" and got.status is not None and 400 <= got.status < 500:
        return Robots(origin, None)  # RFC 9309 2.3.1.3: unavailable (4xx) means no restrictions
    if got.outcome in ("unreachable", "blocked_address"):
        return Robots(origin, None, got.outcome, got.detail)
    return Robots(origin, None, "robots_unavailable", f"robots.txt of {origin}: {got.outcome} {got.detail}".strip())


def fetch(client: Client, url: str, settings: FetchSettings, limiter: HostLimiter, robots: Robots,
          validators: dict, accept: frozenset[str] | None, policy: AddressPolicy = AddressPolicy()) -> Response:
    """GET one URL: conditional on the validators of its last fetch, same-origin redirects followed.

    accept: the media types worth keeping (others are answered with unsupported_media_type); None: any.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        return Response("unsupported_scheme", url, detail="only http and https are fetched")
    if robots.failure:
        return Response(robots.failure, url, detail=robots.detail)
    return _get(client, url, settings, limiter, robots, validators, settings.max_bytes, accept, policy)


def _get(client: Client, url: str, settings: FetchSettings, limiter: HostLimiter, robots: Robots,
         validators: dict, max_bytes: int, accept: frozenset[str] | None, policy: AddressPolicy) -> Response:
    origin = origin_of(url)
    host = urlsplit(url).hostname or ""
    current = url
    conditional = {k: v for k, v in (("If-None-Match", validators.get("etag")),
                                     ("If-Modified-Since", validators.get("last_modified"))) if v}
    # The request's time, redirects included; the clock runs only once the host's turn has come (waiting
    # in its queue is politeness, not the server's slowness).
    budget = REQUEST_DEADLINE_FACTOR * settings.timeout_seconds
    for _ in range(settings.max_redirects + 1):
        if not robots.allows(current, settings.user_agent):
            return Response("disallowed", url, current, detail=f"robots.txt of {robots.origin}")
        headers = conditional if current == url else {}
        with limiter.slot(host, robots.crawl_delay(settings.user_agent)):
            started = time.monotonic()
            _current.deadline = started + budget
            try:
                answer = _exchange(client, policy, url, current, headers, settings, max_bytes, accept)
            finally:
                _current.deadline = None
                budget -= time.monotonic() - started
        if isinstance(answer, Response):
            return answer
        target = urljoin(current, answer)
        if origin_of(target) != origin:
            return Response("redirected_off_origin", url, current, detail=f"to {target}")
        current = target
    return Response("too_many_redirects", url, current, detail=f"more than {settings.max_redirects}")


def _exchange(client: Client, policy: AddressPolicy, url: str, current: str, headers: dict,
              settings: FetchSettings, max_bytes: int, accept: frozenset[str] | None) -> Response | str:
    """One request: its Response, or the Location of a redirect to follow."""
    try:
        target = httpx.URL(current)  # IDNA and percent-encoding as httpx does them
    except httpx.InvalidURL as exc:
        return Response("invalid_url", url, current, detail=str(exc))
    request_url = httpcore.URL(scheme=target.raw_scheme, host=target.raw_host, port=target.port,
                               target=target.raw_path)
    request_headers = [("User-Agent", settings.user_agent), ("Accept-Encoding", "gzip, deflate"),
                       *headers.items()]
    timeouts = {key: settings.timeout_seconds for key in ("connect", "read", "write", "pool")}
    try:
        with client.pool(policy).stream("GET", request_url, headers=request_headers,
                                        extensions={"timeout": timeouts}) as reply:
            reply_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in reply.headers}
            if reply.status in REDIRECT_STATUSES and "location" in reply_headers:
                return reply_headers["location"]
            return _answer(reply, reply_headers, url, current, max_bytes, accept)
    except Unresolvable as exc:
        return Response("unreachable", url, current, detail=str(exc))
    except BlockedAddress as exc:
        return Response("blocked_address", url, current, detail=str(exc))
    except httpcore.TimeoutException as exc:
        if time.monotonic() >= _current.deadline:
            raise TransientFetchError(f"{url}: not complete within the request deadline "
                                      f"({REQUEST_DEADLINE_FACTOR * settings.timeout_seconds:g} s)") from exc
        raise TransientFetchError(f"{url}: timed out ({type(exc).__name__})") from exc
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, OSError) as exc:
        raise TransientFetchError(f"{url}: {type(exc).__name__}: {exc}") from exc


class _TooLarge(Exception):
    pass


def _answer(reply: httpcore.Response, headers: dict[str, str], url: str, final_url: str, max_bytes: int,
            accept: frozenset[str] | None) -> Response:
    status = reply.status
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
    codings = [c.strip().lower() for c in headers.get("content-encoding", "").split(",") if c.strip()]
    unknown = [c for c in codings if c not in DECODABLE]
    if unknown:
        return Response("unsupported_encoding", url, final_url, status, headers, detail=", ".join(unknown))
    body = bytearray()
    try:
        for chunk in decoded(_capped(reply.iter_stream(), max_bytes), codings, max_bytes):
            body += chunk
            if len(body) > max_bytes:
                raise _TooLarge
    except _TooLarge:
        return Response("oversized", url, final_url, status, headers,
                        detail=f"more than {max_bytes} bytes" + (" decoded" if codings else ""))
    except zlib.error as exc:
        return Response("bad_encoding", url, final_url, status, headers, detail=f"{', '.join(codings)}: {exc}")
    if not media_type:
        media_type = "text/html" if bytes(body[:512]).lstrip().startswith(b"<") else "text/plain"
    if accept is not None and media_type not in accept:
        return Response("unsupported_media_type", url, final_url, status, headers, detail=media_type)
    return Response("fetched", url, final_url, status, headers, bytes(body), media_type, charset)


def _capped(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            raise _TooLarge
        yield chunk


def decoded(chunks: Iterator[bytes], codings: list[str], limit: int) -> Iterator[bytes]:
    """The body with its content codings undone (the last applied is undone first), each layer inflated in
    steps of at most INFLATE_STEP bytes and stopped past limit bytes (raises _TooLarge)."""
    for coding in reversed(codings):
        if coding != "identity":
            chunks = _inflate(chunks, coding, limit)
    return chunks


def _inflate(chunks: Iterator[bytes], coding: str, limit: int) -> Iterator[bytes]:
    decompressor = None
    produced = 0
    for data in chunks:
        if decompressor is not None and decompressor.eof:
            if coding == "deflate":
                continue  # after the end of a deflate stream: trailing bytes mean nothing
            decompressor = None  # the next member of a gzip stream starts with this chunk
        if not data:
            continue
        if decompressor is None:
            decompressor = zlib.decompressobj(_wbits(coding, data))
        while True:
            out = decompressor.decompress(data, INFLATE_STEP)
            produced += len(out)
            if produced > limit:
                raise _TooLarge
            if out:
                yield out
            data = decompressor.unconsumed_tail
            if decompressor.eof:
                if not (decompressor.unused_data and coding != "deflate"):
                    break
                data = decompressor.unused_data  # a gzip stream of several members
                decompressor = zlib.decompressobj(_wbits(coding, data))
            elif not data and len(out) < INFLATE_STEP:
                break  # this chunk is used up and nothing more is pending
    if decompressor is not None and not decompressor.eof:
        raise zlib.error(f"{coding} stream ends before its end")


def _wbits(coding: str, first: bytes) -> int:
    if coding in ("gzip", "x-gzip"):
        return 16 + zlib.MAX_WBITS
    # "deflate" is meant to be zlib-wrapped; some servers send it raw.
    wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
    return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS


def _content_type(value: str) -> tuple[str, str]:
    media_type, _, params = value.partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'")
    return media_type.strip().lower(), charset
