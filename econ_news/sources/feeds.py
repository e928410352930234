"""RSS and Atom feeds: the article links they list."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import feedparser

from econ_news.sources.config import DEFAULT_PORTS, host_and_port


def feed_links(data: bytes, feed_url: str) -> list[str]:
    """The http(s) links of a feed's entries, in the feed's order, without repeats.

    feedparser reads RSS 0.9x/1.0/2.0 and Atom, decodes the feed's declared encoding and tolerates the
    malformed XML many small sites publish. Links are resolved against the feed's URL; anything that is
    not http(s) (mailto:, javascript:, file:) is dropped, since only http(s) is ever fetched.
    """
    parsed = feedparser.parse(data, response_headers={"content-location": feed_url})
    links: list[str] = []
    for entry in parsed.entries:
        link = entry.get("link") or next((l.get("href") for l in entry.get("links", []) if l.get("href")), None)
        if not link:
            continue
        url = urljoin(feed_url, link.strip())
        if urlsplit(url).scheme in ("http", "https") and url not in links:
            links.append(url)
    return links


def entry_allowed(link: str, feed_url: str, allowed_hosts: tuple[str, ...] = ()) -> bool:
    """Whether a feed may send us to link: its own host (on the feed's port or the scheme's default one),
    or a host the source names in allowed_hosts ("host": default ports; "host:port": that port).

    A feed is content from the outside: without this, any entry could point the fetcher at any machine
    it can reach, and land that machine's answer in the tables.
    """
    parts, feed = urlsplit(link), urlsplit(feed_url)
    host, scheme = (parts.hostname or "").lower(), parts.scheme.lower()
    try:
        port, feed_port = parts.port or DEFAULT_PORTS.get(scheme), feed.port
    except ValueError:  # a port out of range
        return False
    if host == (feed.hostname or "").lower() and port in (feed_port or DEFAULT_PORTS.get(feed.scheme.lower()),
                                                          DEFAULT_PORTS.get(scheme)):
        return True
    for allowed in allowed_hosts:
        name, named_port = host_and_port(allowed)
        if name == host and port == (named_port or DEFAULT_PORTS.get(scheme)):
            return True
    return False
