"""One URL from the web into the raw store: fetch it (web.py), land what came back (rawstore.py), remember
its validators for next time, and say what happened."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from econ_news.sources import web
from econ_news.sources.config import FetchSettings
from econ_news.sources.feeds import entry_allowed, feed_links
from econ_news.sources.rawstore import (FEEDS_DIR, PAGE_EXTENSIONS, PAGES_DIR, blob_path, land, load_validators,
                                        save_validators)

PAGE_MEDIA_TYPES = frozenset(PAGE_EXTENSIONS)
# Headers not worth keeping in a sidecar: session cookies are credentials of nobody's, and noise.
DROPPED_HEADERS = {"set-cookie"}


@dataclass(frozen=True)
class FetchOutcome:
    url: str
    source: str
    outcome: str  # landed | unchanged (same bytes as before) | not_modified (304) | one of web.Response's
    status: int | None = None
    sha256: str = ""
    detail: str = ""
    links: tuple[str, ...] = ()  # a feed's entry links to fetch
    off_source: tuple[str, ...] = ()  # a feed's entry links on hosts its source does not allow: not fetched
    over_cap: int = 0  # a feed's entries past max_feed_entries: not fetched tonight

    @property
    def ok(self) -> bool:
        return self.outcome in ("landed", "unchanged", "not_modified")


def fetch_page(client: web.Client, url: str, source: str, settings: FetchSettings, limiter: web.HostLimiter,
               robots: web.Robots, raw_dir: Path, zone: str,
               policy: web.AddressPolicy = web.AddressPolicy()) -> FetchOutcome:
    """Fetch a page into web/. Raises web.TransientFetchError when worth retrying."""
    return _fetch_into(client, url, source, settings, limiter, robots, raw_dir, ZoneInfo(zone), PAGES_DIR, policy)


def fetch_feed(client: web.Client, url: str, source: str, settings: FetchSettings, limiter: web.HostLimiter,
               robots: web.Robots, raw_dir: Path, zone: str, policy: web.AddressPolicy = web.AddressPolicy(),
               allowed_hosts: tuple[str, ...] = ()) -> FetchOutcome:
    """Fetch a feed into _feeds/ and list its entries' links; an unchanged feed (304) is read from the store
    so that entries whose fetch failed last time are tried again.

    Only entries on the feed's own host or the source's allowed_hosts are listed to fetch (the others are
    listed in off_source), and at most settings.max_feed_entries of them (the rest are counted in over_cap).
    """
    got = _fetch_into(client, url, source, settings, limiter, robots, raw_dir, ZoneInfo(zone), FEEDS_DIR, policy)
    if not got.ok:
        return got
    data = blob_path(raw_dir, FEEDS_DIR, got.sha256, ".xml").read_bytes()
    links = feed_links(data, url)
    allowed = [link for link in links if entry_allowed(link, url, allowed_hosts)]
    off_source = tuple(link for link in links if not entry_allowed(link, url, allowed_hosts))
    return FetchOutcome(got.url, source, got.outcome, got.status, got.sha256, got.detail,
                        tuple(allowed[: settings.max_feed_entries]), off_source,
                        max(0, len(allowed) - settings.max_feed_entries))


def _fetch_into(client: web.Client, url: str, source: str, settings: FetchSettings, limiter: web.HostLimiter,
                robots: web.Robots, raw_dir: Path, zone: ZoneInfo, area: str,
                policy: web.AddressPolicy) -> FetchOutcome:
    validators = load_validators(raw_dir, url)
    if validators.get("sha256") and not _still_landed(raw_dir, area, validators["sha256"]):
        validators = {}  # the store was pruned: ask for the full body again
    accept = PAGE_MEDIA_TYPES if area == PAGES_DIR else None
    response = web.fetch(client, url, settings, limiter, robots, validators, accept, policy)
    fetched_at = datetime.now(timezone.utc)
    if response.outcome == "not_modified":
        if not validators.get("sha256"):
            return FetchOutcome(url, source, "http_error", 304, detail="304 to an unconditional request")
        save_validators(raw_dir, url, validators.get("etag"), validators.get("last_modified"),
                        validators["sha256"], fetched_at.isoformat())
        return FetchOutcome(url, source, "not_modified", response.status, validators["sha256"])
    if response.outcome != "fetched":
        return FetchOutcome(url, source, response.outcome, response.status, detail=response.detail)
    sidecar = {
        "url": url,
        "final_url": response.final_url,
        "source": source,
        "fetched_at": fetched_at.isoformat(),
        "ingest_date": fetched_at.astimezone(zone).date().isoformat(),
        "status": response.status,
        "headers": {k: v for k, v in sorted(response.headers.items()) if k not in DROPPED_HEADERS},
        "media_type": response.media_type,
        "charset": response.charset,
    }
    extension = PAGE_EXTENSIONS[response.media_type] if area == PAGES_DIR else ".xml"
    landed = land(raw_dir, area, response.body or b"", extension, sidecar)
    save_validators(raw_dir, url, response.headers.get("etag"), response.headers.get("last-modified"),
                    landed.sha256, fetched_at.isoformat())
    return FetchOutcome(url, source, "landed" if landed.new else "unchanged", response.status, landed.sha256)


def _still_landed(raw_dir: Path, area: str, digest: str) -> bool:
    extensions = set(PAGE_EXTENSIONS.values()) if area == PAGES_DIR else {".xml"}
    return any(blob_path(raw_dir, area, digest, ext).exists() for ext in extensions)
