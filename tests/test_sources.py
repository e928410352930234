"""Fetching from the web into the raw store, against a real HTTP server on 127.0.0.1 (no Prefect here: the
retries are Prefect's, tested in test_flow.py; here a transient failure is the exception that triggers them)."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from econ_news.fetch import read_raw_file, scan_folder
from econ_news.sources import web
from econ_news.sources.config import ConfigError, FetchSettings, load_config
from econ_news.sources.content import detect_charset, main_content
from econ_news.sources.feeds import feed_links
from econ_news.sources.intake import fetch_feed, fetch_page
from econ_news.sources.rawstore import PAGES_DIR, blob_path, land, read_sidecar
from tests.conftest import REPO
from tests.pages_server import FOOTER, NAV, PageServer, Route, news_page, sample_article, start_news_site

SETTINGS = FetchSettings(timeout_seconds=1.0, retries=0, per_host_requests_per_second=100.0)
ZONE = "Asia/Shanghai"
# The test servers are on 127.0.0.1, which a source reaches only when it names it.
LOOPBACK = web.AddressPolicy.of(allow_private=False, allowed_hosts=("127.0.0.1",))


@pytest.fixture()
def site():
    with start_news_site(slow_seconds=3.0) as server:
        yield server


def _fetcher(site, settings=SETTINGS):
    client = web.make_client(settings)
    limiter = web.HostLimiter(settings.per_host_concurrency, settings.per_host_requests_per_second)
    robots = web.read_robots(client, web.origin_of(site.base), settings, limiter, LOOPBACK)
    return client, limiter, robots


def test_gbk_page_lands_as_fetched_and_reads_as_its_main_content(site, tmp_path):
    client, limiter, robots = _fetcher(site)
    got = fetch_page(client, site.url("/news/gbk.html"), "zhangye", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
    assert got.outcome == "landed"
    path = blob_path(tmp_path, PAGES_DIR, got.sha256, ".html")
    assert path.read_bytes() == site.routes["/news/gbk.html"].body  # the bytes as fetched, GBK and all
    sidecar = read_sidecar(path)
    assert sidecar["url"] == sidecar["final_url"] == site.url("/news/gbk.html")
    assert sidecar["status"] == 200 and sidecar["source"] == "zhangye" and sidecar["sha256"] == got.sha256
    assert sidecar["headers"]["content-type"] == "text/html" and sidecar["media_type"] == "text/html"
    landed_on = datetime.fromisoformat(sidecar["fetched_at"]).astimezone(ZoneInfo(ZONE)).date()
    assert sidecar["ingest_date"] == landed_on.isoformat()  # the Shanghai calendar, not UTC's

    refs, rejected = scan_folder(tmp_path, source="unused", timezone=ZONE)
    assert rejected == [] and len(refs) == 1
    ref = refs[0]
    assert (ref.source_uri, ref.source, ref.sha256) == (site.url("/news/gbk.html"), "zhangye", got.sha256)
    doc = read_raw_file(ref)
    text = doc.data.decode("utf-8")
    title, body = sample_article(0)
    assert doc.source_uri == site.url("/news/gbk.html") and doc.sha256 == got.sha256
    assert text.startswith(f"# {title}\n\n2025-10-12\n") and body[-1][:20] in text
    assert NAV not in text and FOOTER not in text and "分享到" not in text and "相关新闻" not in text


def test_conditional_request_gets_304_and_lands_nothing_new(site, tmp_path):
    client, limiter, robots = _fetcher(site)
    first = fetch_page(client, site.url("/news/gbk.html"), "s", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
    again = fetch_page(client, site.url("/news/gbk.html"), "s", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
    assert (first.outcome, again.outcome) == ("landed", "not_modified")
    assert again.sha256 == first.sha256 and site.not_modified["/news/gbk.html"] == 1
    assert len(list((tmp_path / PAGES_DIR).rglob("*.html"))) == 1


def test_server_errors_and_timeouts_are_transient_the_rest_are_answers(site, tmp_path):
    client, limiter, robots = _fetcher(site)

    def get(path):
        return fetch_page(client, site.url(path), "s", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)

    with pytest.raises(web.TransientFetchError, match="HTTP 500"):
        get("/news/flaky.html")
    assert get("/news/flaky.html").outcome == "landed"  # what a retry gets
    started = time.monotonic()
    with pytest.raises(web.TransientFetchError, match="timed out"):
        get("/news/slow.html")
    assert time.monotonic() - started < 2.5
    assert (get("/news/gone.html").outcome, get("/news/gone.html").status) == ("http_error", 404)
    assert get("/private/secret.html").outcome == "disallowed"
    assert site.hits["/private/secret.html"] == 0


def test_size_cap_media_types_and_schemes(tmp_path):
    routes = {"/big.html": Route(b"<html>" + b"x" * 5000 + b"</html>"), "/pdf": Route(b"%PDF-1.4", "application/pdf")}
    with PageServer(routes) as server:
        settings = FetchSettings(timeout_seconds=1.0, max_bytes=1000, per_host_requests_per_second=100.0)
        client, limiter, robots = _fetcher(server, settings)

        def get(path):
            return fetch_page(client, server.url(path), "s", settings, limiter, robots, tmp_path, ZONE, LOOPBACK)

        assert get("/big.html").outcome == "oversized"
        assert get("/pdf").outcome == "unsupported_media_type"
        assert web.fetch(client, "file:///etc/passwd", settings, limiter, robots, {}, None, LOOPBACK).outcome == \
            "unsupported_scheme"
    assert not (tmp_path / PAGES_DIR).exists()


def test_redirects_are_followed_on_the_same_host_only(tmp_path):
    class Redirecting(PageServer):
        def _serve(self, handler):
            if handler.path == "/old":
                return self._reply(handler, 301, b"", "text/html", {"Location": "/news/moved.html"})
            if handler.path == "/elsewhere":
                port = self.httpd.server_address[1]
                return self._reply(handler, 302, b"", "text/html", {"Location": f"http://localhost:{port}/x"})
            return super()._serve(handler)

    title, body = sample_article(0)
    with Redirecting({"/news/moved.html": Route(news_page(title, body, "2025-10-12").encode())}) as server:
        client, limiter, robots = _fetcher(server)
        moved = fetch_page(client, server.url("/old"), "s", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
        assert moved.outcome == "landed"
        sidecar = read_sidecar(blob_path(tmp_path, PAGES_DIR, moved.sha256, ".html"))
        assert (sidecar["url"], sidecar["final_url"]) == (server.url("/old"), server.url("/news/moved.html"))
        off = fetch_page(client, server.url("/elsewhere"), "s", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
        assert off.outcome == "redirected_off_origin" and "localhost" in off.detail


def test_feed_lists_its_entries_and_an_unchanged_feed_still_does(site, tmp_path):
    client, limiter, robots = _fetcher(site)
    first = fetch_feed(client, site.url("/feed.xml"), "feed", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
    again = fetch_feed(client, site.url("/feed.xml"), "feed", SETTINGS, limiter, robots, tmp_path, ZONE, LOOPBACK)
    expected = (site.url("/news/feed-item.html"), site.url("/news/gone.html"))
    assert (first.outcome, first.links) == ("landed", expected)
    assert (again.outcome, again.links) == ("not_modified", expected)
    # Feeds are kept for the record but are not pages: the page scan does not see them.
    assert scan_folder(tmp_path)[0] == []


def test_feed_links_keep_only_http_and_resolve_relative_links():
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>a</title><link href="/news/a.html"/></entry>
    <entry><title>b</title><link href="javascript:alert(1)"/></entry>
    <entry><title>c</title><link href="https://other.example/c.html"/></entry>
    <entry><title>a again</title><link href="/news/a.html"/></entry></feed>"""
    assert feed_links(atom, "http://news.example/feed.atom") == ["http://news.example/news/a.html",
                                                                 "https://other.example/c.html"]


def test_robots_rules_crawl_delay_and_unreachable_robots():
    robots = web.Robots("http://x", "User-agent: econ-news\nDisallow: /a/\nCrawl-delay: 2\n\nUser-agent: *\nDisallow: /\n")
    assert robots.allows("http://x/b/1.html", "econ-news/0.1 (test)")
    assert not robots.allows("http://x/a/1.html", "econ-news/0.1 (test)")
    assert not robots.allows("http://x/b/1.html", "otherbot/1.0")
    assert robots.crawl_delay("econ-news/0.1") == 2.0
    assert web.Robots("http://x", None).allows("http://x/anything", "econ-news")
    assert not web.Robots("http://x", None, "robots_unavailable").allows("http://x/anything", "econ-news")


def test_host_limiter_spaces_requests_and_caps_concurrency():
    routes = {f"/p{i}.html": Route(b"<html>" + str(i).encode() + b"</html>", delay=0.2) for i in range(4)}
    with PageServer(routes) as server:
        settings = FetchSettings(timeout_seconds=2.0, per_host_concurrency=1, per_host_requests_per_second=10.0)
        client, limiter, robots = _fetcher(server, settings)
        started = time.monotonic()
        threads = [threading.Thread(target=web.fetch, args=(client, server.url(p), settings, limiter, robots, {},
                                                            None, LOOPBACK)) for p in routes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert server.max_in_flight == 1
        assert time.monotonic() - started >= 4 * 0.2


def test_charset_detection():
    text = "张掖经开区完成工业总产值67.5亿元，同比增长2%。" * 5
    gbk = f"<html><body><p>{text}</p></body></html>".encode("gbk")
    assert detect_charset(gbk) == "gb18030"  # undeclared: detected
    assert detect_charset(gbk, "ISO-8859-1") == "gb18030"  # a server's default latin-1 is no evidence
    assert detect_charset(gbk, "gb2312") == "gb18030"  # GB2312/GBK are read as their superset
    assert detect_charset(b'<meta charset="utf-8">' + text.encode()) == "utf-8"
    assert detect_charset("\ufeff".encode("utf-8") + text.encode()) == "utf-8-sig"
    # A page the extractor finds nothing in goes to normalize as it is.
    assert main_content(b"<html><body></body></html>") is None


def test_raw_store_is_content_addressed_and_immutable(tmp_path):
    first = land(tmp_path, PAGES_DIR, b"<html>a</html>", ".html", {"url": "http://x/../../../etc/passwd"})
    again = land(tmp_path, PAGES_DIR, b"<html>a</html>", ".html", {"url": "http://y/other"})
    assert first.new and not again.new and first.path == again.path
    assert first.path.parent.parent == tmp_path / PAGES_DIR and first.path.name == f"{first.sha256}.html"
    assert json.loads(Path(str(first.path) + ".meta.json").read_text())["url"] == "http://x/../../../etc/passwd"
    with pytest.raises(ValueError):
        blob_path(tmp_path, PAGES_DIR, "../../etc/passwd", ".html")
    with pytest.raises(ValueError):
        blob_path(tmp_path, "../elsewhere", first.sha256, ".html")
    with pytest.raises(ValueError):
        blob_path(tmp_path, PAGES_DIR, first.sha256, "/../../x")


def test_the_bundled_sources_file_loads():
    config = load_config(REPO / "sources.toml")
    assert config.cron == "0 2 * * *" and config.timezone == "Asia/Shanghai"
    assert config.raw_dir == REPO / "data" / "raw" and config.names() == ["samples"]


@pytest.mark.parametrize("body, message", [
    ('[[sources]]\nname = "Bad Name"\nkind = "folder"\npath = "x"', "a name is"),
    ('[[sources]]\nname = "a"\nkind = "ftp"', "kind must be"),
    ('[[sources]]\nname = "a"\nkind = "urls"\nurls = ["file:///etc/passwd"]', "only http"),
    ('[[sources]]\nname = "a"\nkind = "feed"\nurl = "ftp://x/feed"', "only http"),
    ('[fetch]\ntimeout = 3', "unknown \\[fetch\\] keys"),
    ('[schedule]\ntimezone = "Mars/Olympus"', "not a known time zone"),
    ('[[sources]]\nname = "a"\nkind = "folder"\npath = "x"\n[[sources]]\nname = "a"\nkind = "folder"\npath = "y"',
     "unique"),
])
def test_config_errors_name_the_problem(tmp_path, body, message):
    path = tmp_path / "sources.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)
