"""A real HTTP server on 127.0.0.1 serving news pages the way small Chinese sites do: GBK pages, a page that
fails once then works, one that never answers in time, a 404, an RSS feed, robots.txt, ETags.

Pages are built from the bundled sample articles (data/raw), wrapped in site furniture (navigation, share
buttons, footer with an ICP number) that main-content extraction has to leave out.
"""
from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

SAMPLE_RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
NAV = "首页 | 新闻中心 | 政务公开 | 招商引资 | 联系我们"
FOOTER = "版权所有：张掖日报社 陇ICP备05000361号 甘公网安备62070202000123号"


def sample_article(index: int) -> tuple[str, list[str]]:
    """Title and paragraphs of a bundled sample page (markdown-ish text)."""
    path = sorted(SAMPLE_RAW.glob("*.txt"))[index]
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines[0].lstrip("# ").strip(), lines[1:]


def news_page(title: str, paragraphs: list[str], published: str, charset: str = "utf-8") -> str:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{escape(title)}_张掖日报</title></head>
<body>
<div class="nav">{NAV}</div>
<div class="crumbs">当前位置：首页 &gt; 新闻中心 &gt; 经济</div>
<div class="article">
<h1>{escape(title)}</h1>
<div class="info">发布时间：{published} 来源：张掖日报</div>
<div class="content">
{body}
</div>
<div class="share">分享到：微信 微博 QQ空间</div>
</div>
<div class="related"><h3>相关新闻</h3><ul><li><a href="/x1.html">市领导调研重点项目</a></li>
<li><a href="/x2.html">全市招商引资推进会召开</a></li></ul></div>
<div class="footer">{FOOTER}</div>
</body></html>
"""


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html"
    status: int = 200
    fail_first: int = 0  # answer 500 to this many requests first
    delay: float = 0.0  # seconds to wait before answering
    etag: bool = True


class PageServer:
    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1"):
        self.routes = routes
        self.hits: Counter = Counter()  # path -> requests
        self.not_modified: Counter = Counter()  # path -> 304 answers
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                server._serve(self)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)  # any 127.x.y.z: another "host" on loopback
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{self.httpd.server_address[0]}:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> PageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self._lock:
            self.hits[path] += 1
            count = self.hits[path]
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            route = self.routes.get(path)
            if route is None:
                return self._reply(handler, 404, b"not found", "text/plain")
            if route.delay:
                time.sleep(route.delay)
            if count <= route.fail_first:
                return self._reply(handler, 500, b"server error", "text/plain")
            if route.status != 200:
                return self._reply(handler, route.status, b"", route.content_type)
            tag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if route.etag and handler.headers.get("If-None-Match") == tag:
                with self._lock:
                    self.not_modified[path] += 1
                return self._reply(handler, 304, b"", None, {"ETag": tag})
            return self._reply(handler, 200, route.body, route.content_type, {"ETag": tag} if route.etag else {})
        finally:
            with self._lock:
                self.in_flight -= 1

    @staticmethod
    def _reply(handler, status: int, body: bytes, content_type: str | None, headers: dict | None = None) -> None:
        try:
            handler.send_response(status)
            if content_type:
                handler.send_header("Content-Type", content_type)
            for key, value in (headers or {}).items():
                handler.send_header(key, value)
            if status != 304:
                handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if status != 304:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass


def rss(items: list[tuple[str, str]]) -> bytes:
    entries = "\n".join(f"<item><title>{escape(t)}</title><link>{escape(link)}</link></item>" for t, link in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>张掖日报 经济</title>'
            f"<link>http://127.0.0.1/</link><description>经济新闻</description>\n{entries}\n</channel></rss>"
            ).encode("utf-8")


def news_site(slow_seconds: float = 3.0) -> dict[str, Route]:
    """The site the flow tests fetch: every behaviour the fetcher must handle, on one host."""
    title0, body0 = sample_article(0)
    title1, body1 = sample_article(2)
    title3, body3 = sample_article(4)
    return {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /private/\n", "text/plain", etag=False),
        # GBK bytes, declared only in the page's own meta tag (the server sends no charset)
        "/news/gbk.html": Route(news_page(title0, body0, "2025-10-12", "gbk").encode("gbk"), "text/html"),
        "/news/flaky.html": Route(news_page(title1, body1, "2025-09-30").encode("utf-8"),
                                  "text/html; charset=utf-8", fail_first=1),
        "/news/slow.html": Route(b"<html>late</html>", "text/html", delay=slow_seconds),
        "/news/feed-item.html": Route(news_page(title3, body3, "2025-10-20").encode("utf-8"),
                                      "text/html; charset=utf-8"),
        "/private/secret.html": Route(b"<html>not for crawlers</html>", "text/html"),
        "/feed.xml": Route(b"", "application/rss+xml"),  # filled in once the port is known (links are absolute)
    }


def start_news_site(slow_seconds: float = 3.0) -> PageServer:
    server = PageServer(news_site(slow_seconds))
    server.routes["/feed.xml"].body = rss([("张掖经开区新闻", server.url("/news/feed-item.html")),
                                           ("不存在的页面", server.url("/news/gone.html"))])
    return server


def write_sources(folder: Path, site_url, retries: int = 2) -> Path:
    """A sources file like an operator's: the sample folder, a URL list and a feed on the local site."""
    samples = folder / "samples"
    shutil.copytree(SAMPLE_RAW, samples)
    path = folder / "sources.toml"
    path.write_text(f"""
[store]
raw_dir = "raw"
curated_dir = "curated"

[fetch]
timeout_seconds = 1.0
retries = {retries}
retry_backoff_seconds = 0.2
per_host_concurrency = 2
per_host_requests_per_second = 20.0

[[sources]]
name = "samples"
kind = "folder"
path = "samples"

[[sources]]
name = "zhangye"
kind = "urls"
allow_private = true          # the test site is on 127.0.0.1, which sources may reach only when they say so
urls = ["{site_url('/news/gbk.html')}", "{site_url('/news/flaky.html')}", "{site_url('/news/slow.html')}",
        "{site_url('/news/gone.html')}", "{site_url('/private/secret.html')}"]

[[sources]]
name = "zhangye_feed"
kind = "feed"
allowed_hosts = ["127.0.0.1"]  # naming the address lets this source reach it (and nothing else private)
url = "{site_url('/feed.xml')}"
""", encoding="utf-8")
    return path
