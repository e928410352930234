"""Fetching that cannot be turned against us (issue 14, item 3): each attack played by a real server on
127.0.0.1 (tests/hostile_server.py) against the real fetcher, and the politeness limits checked on a real
nightly run under a process task runner."""
from __future__ import annotations

import gzip
import json
import resource
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from econ_news.sources import web
from econ_news.sources.config import ConfigError, FetchSettings, load_config
from econ_news.sources.feeds import entry_allowed
from econ_news.sources.intake import fetch_feed, fetch_page
from econ_news.sources.rawstore import PAGES_DIR, blob_path
from tests.hostile_server import HostileServer, Overlap, drip_body, drip_headers, gzip_bomb, raw_reply
from tests.pages_server import PageServer, Route, news_page, rss, sample_article

ZONE = "Asia/Shanghai"
SETTINGS = FetchSettings(timeout_seconds=1.0, retries=0, per_host_requests_per_second=100.0)
DEFAULT = web.AddressPolicy()  # what a source gets when it names no private address
LOOPBACK = web.AddressPolicy.of(allow_private=False, allowed_hosts=("127.0.0.1",))
SECRET = b"<html><body><p>internal token: 7f3a-SECRET-91c2</p></body></html>"


def _page(index: int = 0) -> bytes:
    """A news page, different bytes for every index (the raw store keeps one copy of equal bytes)."""
    title, body = sample_article(index % 5)
    return news_page(title, body, f"2025-10-{index % 28 + 1:02d}").encode("utf-8")


def _fetcher(server, settings=SETTINGS, policy=LOOPBACK):
    client = web.make_client(settings)
    limiter = web.HostLimiter(settings.per_host_concurrency, settings.per_host_requests_per_second)
    robots = web.read_robots(client, web.origin_of(server.base), settings, limiter, policy)
    return client, limiter, robots


# --- SSRF ---------------------------------------------------------------------------------------------


def test_feed_entries_on_another_port_or_host_are_not_fetched(tmp_path):
    with PageServer({"/internal": Route(SECRET)}) as internal, PageServer({}) as site:
        site.routes["/feed.xml"] = Route(rss([("ours", site.url("/news/a.html")),
                                              ("internal", internal.url("/internal")),
                                              ("metadata", "http://169.254.169.254/latest/meta-data/"),
                                              ("elsewhere", "https://other.example/x.html")]),
                                         "application/rss+xml")
        site.routes["/news/a.html"] = Route(_page())
        client, limiter, robots = _fetcher(site)
        got = fetch_feed(client, site.url("/feed.xml"), "f", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
        assert got.links == (site.url("/news/a.html"),)
        assert set(got.off_source) == {internal.url("/internal"), "http://169.254.169.254/latest/meta-data/",
                                       "https://other.example/x.html"}
        assert internal.hits["/internal"] == 0
    # A source may name other hosts, with or without a port.
    port = internal.httpd.server_address[1]
    assert entry_allowed(f"http://127.0.0.1:{port}/x", "http://127.0.0.1:1/f", (f"127.0.0.1:{port}",))
    assert entry_allowed("https://cdn.example/x", "http://news.example/f", ("cdn.example",))
    assert entry_allowed("https://news.example/x", "http://news.example/f")  # its own host, default port
    assert not entry_allowed("http://news.example:8080/x", "http://news.example/f")
    assert not entry_allowed("http://cdn.example:8080/x", "http://news.example/f", ("cdn.example",))


def test_private_addresses_are_refused_unless_the_source_names_them(tmp_path):
    with PageServer({"/internal": Route(SECRET)}) as internal:
        port = internal.httpd.server_address[1]
        client = web.make_client(SETTINGS)
        limiter = web.HostLimiter(2, 100.0)
        for url in (internal.url("/internal"), f"http://localhost:{port}/internal"):  # checked once resolved
            got = fetch_page(client, url, "s", SETTINGS, limiter, web.Robots("x", None), tmp_path, ZONE, DEFAULT)
            assert got.outcome == "blocked_address" and "127.0.0.1" in got.detail
        robots = web.read_robots(client, internal.base, SETTINGS, limiter, DEFAULT)
        assert robots.failure == "blocked_address"
        assert internal.hits == {}  # not one request reached it
        # Named, by address (in allowed_hosts) or wholesale (allow_private), it is reachable.
        allowed = web.AddressPolicy.of(allow_private=True)
        for policy, url in ((LOOPBACK, internal.url("/internal")), (allowed, f"http://localhost:{port}/internal")):
            got = fetch_page(client, url, "s", SETTINGS, limiter, web.Robots("x", None), tmp_path, ZONE, policy)
            assert got.outcome in ("landed", "unchanged")  # the same page twice: landed, then unchanged
        assert internal.hits["/internal"] == 2
    for address in ("10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
                    "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "100.64.0.1"):
        assert not DEFAULT.permits(address), address
    assert DEFAULT.permits("93.184.216.34") and DEFAULT.permits("2606:4700::1111")
    assert LOOPBACK.permits("127.0.0.1") and not LOOPBACK.permits("127.0.0.2")


def test_redirect_to_another_port_of_the_same_host_is_refused(tmp_path):
    with PageServer({"/internal": Route(SECRET)}) as internal, HostileServer() as site:
        site.actions["/hop"] = raw_reply(302, {"Location": internal.url("/internal")})
        site.actions["/https"] = raw_reply(301, {"Location": site.url("/x").replace("http:", "https:")})
        site.actions["/badport"] = raw_reply(302, {"Location": "http://127.0.0.1:99999/x"})
        client, limiter, robots = _fetcher(site)
        for path in ("/hop", "/https", "/badport"):
            got = fetch_page(client, site.url(path), "s", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
            assert got.outcome == "redirected_off_origin", path
        assert internal.hits["/internal"] == 0


def test_sources_file_names_private_hosts_explicitly(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text('[[sources]]\nname = "a"\nkind = "feed"\nurl = "http://127.0.0.1:8000/f.xml"\n'
                    'allowed_hosts = ["127.0.0.1:9000", "cdn.example", "[::1]:80"]\nallow_private = true\n')
    source = load_config(path).source("a")
    assert source.allowed_hosts == ("127.0.0.1:9000", "cdn.example", "[::1]:80") and source.allow_private
    for bad in ('allowed_hosts = ["http://x/"]', 'allow_private = "yes"', 'allowed_hosts = "x"'):
        path.write_text(f'[[sources]]\nname = "a"\nkind = "urls"\nurls = ["http://x/"]\n{bad}\n')
        with pytest.raises(ConfigError, match="allowed_hosts|allow_private"):
            load_config(path)
    path.write_text('[[sources]]\nname = "a"\nkind = "urls"\nurls = ["http://x:99999/"]\n')
    with pytest.raises(ConfigError, match="99999"):
        load_config(path)


# --- size ---------------------------------------------------------------------------------------------


def test_gzip_gzip_bomb_is_stopped_at_the_cap_while_decoding(tmp_path):
    bomb = gzip_bomb(256 << 20)  # 256 MiB of zeros, gzipped twice: a few KB on the wire
    assert len(bomb) < 20_000
    page = _page()
    with HostileServer() as site:
        site.actions["/bomb.html"] = raw_reply(200, {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"},
                                               bomb)
        site.actions["/page.html"] = raw_reply(200, {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"},
                                               gzip.compress(gzip.compress(page)))
        site.actions["/broken.html"] = raw_reply(200, {"Content-Type": "text/html", "Content-Encoding": "gzip"},
                                                 b"\x1f\x8b\x08\x00not gzip at all")
        site.actions["/br.html"] = raw_reply(200, {"Content-Type": "text/html", "Content-Encoding": "br"}, b"x")
        settings = FetchSettings(timeout_seconds=2.0, max_bytes=1 << 20, per_host_requests_per_second=100.0)
        client, limiter, robots = _fetcher(site, settings)
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        got = fetch_page(client, site.url("/bomb.html"), "s", settings, limiter, robots, tmp_path, ZONE, LOOPBACK)
        peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert got.outcome == "oversized" and "decoded" in got.detail
        assert peak_after - peak_before < 64 * 1024  # never near the 256 MiB the bomb holds
        ok = fetch_page(client, site.url("/page.html"), "s", settings, limiter, robots, tmp_path, ZONE, LOOPBACK)
        assert ok.outcome == "landed"
        assert blob_path(tmp_path, PAGES_DIR, ok.sha256, ".html").read_bytes() == page  # decoded, both layers
        broken = fetch_page(client, site.url("/broken.html"), "s", settings, limiter, robots, tmp_path, ZONE,
                            LOOPBACK)
        assert broken.outcome == "bad_encoding"
        br = fetch_page(client, site.url("/br.html"), "s", settings, limiter, robots, tmp_path, ZONE, LOOPBACK)
        assert br.outcome == "unsupported_encoding"


# --- time ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("attack", [drip_headers, drip_body])
def test_a_response_dripping_bytes_is_cut_at_the_request_deadline(attack, tmp_path):
    """Each byte comes well inside the 1 s read timeout, so only the 5 s request deadline can end it."""
    with HostileServer() as site:
        site.actions["/drip.html"] = attack(0.2)
        client, limiter, robots = _fetcher(site)
        started = time.monotonic()
        with pytest.raises(web.TransientFetchError, match="deadline"):
            fetch_page(client, site.url("/drip.html"), "s", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
        elapsed = time.monotonic() - started
    deadline = web.REQUEST_DEADLINE_FACTOR * SETTINGS.timeout_seconds
    assert deadline - 0.5 < elapsed < deadline + 3.0  # cut near the deadline (the drip would last 60 s)


def test_waiting_for_the_hosts_turn_does_not_count_against_the_deadline(tmp_path):
    """20 URLs on one host at 10 requests/s wait up to 2 s for their turn; each request gets 0.5 s."""
    routes = {f"/p{i}.html": Route(_page(i)) for i in range(20)}
    with PageServer(routes) as site:
        settings = FetchSettings(timeout_seconds=0.1, per_host_concurrency=1, per_host_requests_per_second=10.0)
        client, limiter, robots = _fetcher(site, settings)
        with ThreadPoolExecutor(max_workers=20) as pool:
            outcomes = list(pool.map(lambda p: web.fetch(client, site.url(p), settings, limiter, robots, {}, None,
                                                         LOOPBACK).outcome, routes))
    assert outcomes == ["fetched"] * 20


# --- robots.txt ---------------------------------------------------------------------------------------


def test_robots_wildcards_and_longest_match(tmp_path):
    rules = b"User-agent: *\nDisallow: /*.pdf$\nDisallow: /news/\nAllow: /news/2025/\n"
    routes = {"/robots.txt": Route(rules, "text/plain"), "/report.pdf": Route(b"%PDF", "application/pdf"),
              "/news/2025/a.html": Route(_page()), "/news/2024/a.html": Route(_page(1)),
              "/report.pdf.html": Route(_page(2))}
    with PageServer(routes) as site:
        client, limiter, robots = _fetcher(site)

        def get(path):
            return fetch_page(client, site.url(path), "s", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK).outcome

        assert get("/report.pdf") == "disallowed"
        assert get("/report.pdf.html") == "landed"  # $ anchors the end
        assert get("/news/2025/a.html") == "landed"  # the longer Allow wins over Disallow: /news/
        assert get("/news/2024/a.html") == "disallowed"
        assert site.hits["/report.pdf"] == site.hits["/news/2024/a.html"] == 0


@pytest.mark.parametrize("robots_action", [
    raw_reply(200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /\n" + b"#" * (600 * 1024)),
    raw_reply(200, {"Content-Type": "text/plain", "Content-Encoding": "gzip"}, b"\x1f\x8b\x08\x00garbage"),
], ids=["oversized", "unreadable"])
def test_an_oversized_or_unreadable_robots_txt_keeps_us_out_for_the_night(robots_action, tmp_path):
    with HostileServer({"/news/a.html": Route(_page())}) as site:
        site.actions["/robots.txt"] = robots_action
        client, limiter, robots = _fetcher(site)
        assert robots.failure == "robots_unavailable" and not robots.allows(site.url("/news/a.html"), "econ-news")
        got = fetch_page(client, site.url("/news/a.html"), "s", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
        assert got.outcome == "robots_unavailable" and "robots.txt" in got.detail
        assert site.hits["/news/a.html"] == 0


def test_robots_5xx_is_transient_and_4xx_allows_everything():
    with HostileServer() as site:
        site.actions["/robots.txt"] = raw_reply(503, {})
        with pytest.raises(web.TransientFetchError, match="503"):
            _fetcher(site)
    with PageServer({}) as site:  # /robots.txt is a 404
        assert _fetcher(site)[2] == web.Robots(web.origin_of(site.base), None)


# --- DNS ----------------------------------------------------------------------------------------------


def test_a_host_that_does_not_resolve_is_unreachable_at_once(tmp_path):
    client = web.make_client(SETTINGS)
    limiter = web.HostLimiter(2, 100.0)
    started = time.monotonic()
    robots = web.read_robots(client, "http://news.example.invalid", SETTINGS, limiter, DEFAULT)
    assert robots.failure == "unreachable" and "does not resolve" in robots.detail
    got = fetch_page(client, "http://news.example.invalid/a.html", "s", SETTINGS, limiter, robots, tmp_path, ZONE,
                     DEFAULT)
    assert (got.outcome, got.detail) == ("unreachable", robots.detail)
    # Without a robots.txt read first, the page's own request says the same (no exception: nothing to retry).
    got = fetch_page(client, "http://news.example.invalid/a.html", "s", SETTINGS, limiter, web.Robots("x", None),
                     tmp_path, ZONE, DEFAULT)
    assert got.outcome == "unreachable"
    assert time.monotonic() - started < 2.0


# --- the nightly, on a process task runner ------------------------------------------------------------


@pytest.mark.slow
def test_nightly_on_processes_keeps_per_host_limits_caps_feeds_and_records_every_refusal(prefect_server, tmp_path):
    """Three hosts on loopback (127.0.0.1, .2, .3), each page taking 1 s: with per_host_concurrency = 1 and
    fetch_workers = 2, no host ever sees two requests at once and no more than two are in flight in all,
    although the run's task runner has four processes."""
    from flows.pipeline import nightly
    from flows.runners import build_task_runner

    overlap = Overlap()
    with PageServer({"/internal": Route(SECRET)}) as internal, HostileServer() as site, \
            HostileServer(host="127.0.0.2") as second, HostileServer(host="127.0.0.3") as third:
        for n, (server, count) in enumerate(((site, 12), (second, 3), (third, 3))):
            for i in range(count):
                server.actions[f"/news/p{i}.html"] = overlap.slow_page(server.base, _page(i + 20 * n), 1.0)
        feed_items = [(f"item {i}", site.url(f"/news/p{i}.html")) for i in range(6, 12)]
        site.routes["/feed.xml"] = Route(rss(feed_items + [("internal", internal.url("/internal"))]),
                                         "application/rss+xml")
        site.actions["/hop.html"] = raw_reply(302, {"Location": internal.url("/internal")})
        urls = [site.url(f"/news/p{i}.html") for i in range(6)] + [s.url(f"/news/p{i}.html") for s in (second, third)
                                                                  for i in range(3)]
        urls += [site.url("/hop.html"), "http://news.example.invalid/a.html"]
        config = tmp_path / "sources.toml"
        config.write_text(f"""
[store]
raw_dir = "raw"
curated_dir = "curated"

[fetch]
timeout_seconds = 5.0
retries = 2
retry_backoff_seconds = 5.0
per_host_concurrency = 1
per_host_requests_per_second = 50.0
fetch_workers = 2
max_feed_entries = 4

[[sources]]
name = "site"
kind = "urls"
allowed_hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
urls = {json.dumps(urls)}

[[sources]]
name = "site_feed"
kind = "feed"
allowed_hosts = ["127.0.0.1"]
url = "{site.url('/feed.xml')}"
""", encoding="utf-8")
        summary = nightly.with_options(task_runner=build_task_runner("process:4"))(config_path=str(config))

    assert max(overlap.most_at.values()) == 1  # per_host_concurrency = 1 held on every host
    assert overlap.most <= 2  # and the fetch pool is bounded: fetch_workers = 2, not a thread per URL
    problems = {(url, outcome) for url, outcome, _ in summary.fetch_problems}
    assert (internal.url("/internal"), "off_source_host") in problems  # listed by the feed, not fetched
    assert (site.url("/hop.html"), "redirected_off_origin") in problems
    assert ("http://news.example.invalid/a.html", "unreachable") in problems
    assert (site.url("/feed.xml"), "over_feed_cap") in problems
    assert internal.hits["/internal"] == 0
    # 12 pages of the URL list, the feed and its first 4 entries landed; the feed's other 2 entries wait.
    assert summary.fetched["landed"] == 17 and summary.fetched["over_feed_cap"] == 2
    assert site.hits["/news/p10.html"] == site.hits["/news/p11.html"] == 0
    assert summary.written.get("articles", 0) >= 1


def test_https_connects_to_the_checked_address_and_verifies_the_hosts_name(tmp_path):
    """The socket goes to the address that was checked; TLS still sends and verifies the name."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    trusting = ssl.create_default_context(cadata=cert_pem.decode())
    with PageServer({"/a.html": Route(_page())}) as site:
        site.httpd.socket = server_context.wrap_socket(site.httpd.socket, server_side=True)
        port = site.httpd.server_address[1]
        client = web.Client(SETTINGS, ssl_context=trusting)
        limiter = web.HostLimiter(2, 100.0)
        policy = web.AddressPolicy.of(allow_private=True)
        got = fetch_page(client, f"https://localhost:{port}/a.html", "s", SETTINGS, limiter,
                         web.Robots("x", None), tmp_path / "raw", ZONE, policy)
        assert got.outcome == "landed"
        # By address, the certificate (made out to localhost) does not match: the name is what TLS checks.
        with pytest.raises(web.TransientFetchError, match="(?i)certificate"):
            fetch_page(client, f"https://127.0.0.1:{port}/a.html", "s", SETTINGS, limiter, web.Robots("x", None),
                       tmp_path / "raw", ZONE, policy)
