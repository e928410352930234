"""RSS and Atom feeds: the article links they list."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import feedparser


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
