"""The sources file (sources.toml): where pages come from, how they are fetched, when the nightly run starts.

Loaded once per run into frozen dataclasses; every value is checked here, so a typo in the file fails the
run at its first step with the file's own words, not halfway through a night. Relative paths are relative
to the file, so the nightly run finds the same folders whatever directory the server was started from.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from econ_news.fetch import DEFAULT_MAX_FILE_BYTES
from econ_news.partitions import SOURCE_NAME  # a source's name becomes a partition value

SOURCE_KINDS = ("folder", "urls", "feed")
# The name `econ-news run --raw-dir` gives the folder it reads (it has no sources file).
AD_HOC_SOURCE = "local"
DEFAULT_PORTS = {"http": 80, "https": 443}


class ConfigError(ValueError):
    """The sources file says something the pipeline cannot do."""


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = "econ-news/0.1"
    timeout_seconds: float = 20.0
    retries: int = 3
    retry_backoff_seconds: float = 10.0  # first retry's delay; doubled for each further retry
    max_bytes: int = DEFAULT_MAX_FILE_BYTES
    per_host_concurrency: int = 2
    per_host_requests_per_second: float = 1.0
    max_redirects: int = 5
    # Threads that fetch, in the flow's own process (which is what lets the per-host limits hold): also
    # the bound on connections held open.
    fetch_workers: int = 16
    # Entries taken from one feed per night; the rest are counted (over_feed_cap) and wait for a later
    # night, when the feed still lists them.
    max_feed_entries: int = 500

    def retry_delays(self) -> list[float]:
        return [self.retry_backoff_seconds * 2**attempt for attempt in range(self.retries)]


@dataclass(frozen=True)
class Source:
    name: str
    kind: str  # "folder" | "urls" | "feed"
    path: Path | None = None  # folder
    urls: tuple[str, ...] = ()  # urls: the pages; feed: the feed's own URL
    # Hosts ("host" or "host:port") a feed's entries may be on besides the feed's own host; an IP address
    # here also allows that address when it is not a public one.
    allowed_hosts: tuple[str, ...] = ()
    # Loopback, private, link-local and other non-public addresses are refused unless this is set.
    allow_private: bool = False


@dataclass(frozen=True)
class Config:
    path: Path  # the sources file itself
    raw_dir: Path
    curated_dir: Path | str  # a folder, or an fsspec URL (s3://bucket/prefix) kept as written
    timezone: str  # the calendar of ingest dates and of the nightly schedule
    cron: str
    fetch: FetchSettings
    sources: tuple[Source, ...] = field(default=())

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"{self.path}: no source named {name!r} (have: {', '.join(self.names())})")

    def names(self) -> list[str]:
        return [s.name for s in self.sources]


def load_config(path: str | Path) -> Config:
    path = Path(path).resolve()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the sources file: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    base = path.parent
    store = _table(doc, "store", path)
    schedule = _table(doc, "schedule", path)
    timezone = str(schedule.get("timezone", "Asia/Shanghai"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{path}: [schedule] timezone {timezone!r} is not a known time zone") from exc
    cron = str(schedule.get("cron", "0 2 * * *"))
    if len(cron.split()) != 5:
        raise ConfigError(f"{path}: [schedule] cron {cron!r} needs five fields (minute hour day month weekday)")
    sources = tuple(_source(entry, base, path) for entry in doc.get("sources", []))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: source names must be unique, got {names}")
    return Config(
        path=path,
        raw_dir=base / store.get("raw_dir", "data/raw"),
        curated_dir=_folder_or_url(base, str(store.get("curated_dir", "data/curated"))),
        timezone=timezone,
        cron=cron,
        fetch=_fetch_settings(_table(doc, "fetch", path), path),
        sources=sources,
    )


def _folder_or_url(base: Path, value: str) -> Path | str:
    """A URL (s3://…, file:///…) as it is; a path relative to the sources file."""
    return value if "://" in value else base / value


def _table(doc: dict, key: str, path: Path) -> dict:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table")
    return value


def _fetch_settings(table: dict, path: Path) -> FetchSettings:
    defaults = FetchSettings()
    known = set(FetchSettings.__dataclass_fields__)
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"{path}: unknown [fetch] keys {sorted(unknown)}; known: {sorted(known)}")
    values = {key: _typed(table[key], type(getattr(defaults, key)), f"{path}: [fetch] {key}") for key in table}
    settings = FetchSettings(**values)
    if settings.timeout_seconds <= 0 or settings.max_bytes <= 0 or settings.retries < 0:
        raise ConfigError(f"{path}: [fetch] timeout_seconds and max_bytes must be positive, retries >= 0")
    if settings.per_host_concurrency < 1 or settings.per_host_requests_per_second <= 0:
        raise ConfigError(f"{path}: [fetch] per_host_concurrency >= 1 and per_host_requests_per_second > 0")
    if settings.fetch_workers < 1 or settings.max_feed_entries < 1:
        raise ConfigError(f"{path}: [fetch] fetch_workers and max_feed_entries must be >= 1")
    return settings


def _typed(value, kind: type, where: str):
    """value as the setting's type; a string where a number belongs is the file's mistake, said as such."""
    if kind in (int, float) and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ConfigError(f"{where} must be a number, got {value!r}")
    if kind is int and value != int(value):
        raise ConfigError(f"{where} must be a whole number, got {value!r}")
    if kind is str and not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, got {value!r}")
    return kind(value)


def _source(entry: dict, base: Path, path: Path) -> Source:
    name, kind = str(entry.get("name", "")), str(entry.get("kind", ""))
    where = f"{path}: source {name!r}"
    if not SOURCE_NAME.fullmatch(name):
        raise ConfigError(f"{where}: a name is 1-64 of a-z 0-9 _ - (it names a partition folder)")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"{where}: kind must be one of {SOURCE_KINDS}, got {kind!r}")
    access = _access(entry, where)
    if kind == "folder":
        if access != ((), False):
            raise ConfigError(f"{where}: allowed_hosts and allow_private are for web sources")
        if "path" not in entry:
            raise ConfigError(f"{where}: a folder source needs path")
        return Source(name, kind, path=base / str(entry["path"]))
    if kind == "feed":
        if "url" not in entry:
            raise ConfigError(f"{where}: a feed source needs url")
        return Source(name, kind, urls=(_http_url(str(entry["url"]), where),), allowed_hosts=access[0],
                      allow_private=access[1])
    urls = [str(u) for u in entry.get("urls", [])]
    if "urls_file" in entry:
        listing = base / str(entry["urls_file"])
        try:
            lines = listing.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read urls_file: {exc}") from exc
        urls += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not urls:
        raise ConfigError(f"{where}: a urls source needs urls or urls_file")
    return Source(name, kind, urls=tuple(_http_url(u, where) for u in urls), allowed_hosts=access[0],
                  allow_private=access[1])


def _access(entry: dict, where: str) -> tuple[tuple[str, ...], bool]:
    hosts = entry.get("allowed_hosts", [])
    allow_private = entry.get("allow_private", False)
    if not isinstance(allow_private, bool):
        raise ConfigError(f"{where}: allow_private must be true or false, got {allow_private!r}")
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise ConfigError(f"{where}: allowed_hosts must be a list of \"host\" or \"host:port\" strings")
    for host in hosts:
        name, port = host_and_port(host)
        if not re.fullmatch(r"[a-z0-9._:-]+", name) or port == 0 or (port is None and host.count(":") == 1):
            raise ConfigError(f"{where}: allowed_hosts entry {host!r} is not \"host\" or \"host:port\"")
    return tuple(h.strip().lower() for h in hosts), allow_private


def host_and_port(value: str) -> tuple[str, int | None]:
    """'host', 'host:port', '[v6]:port' or a bare IPv6 address -> (host, port or None)."""
    value = value.strip().lower()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if value.count(":") == 1:
        host, _, port = value.partition(":")
        return host, int(port) if port.isdigit() and int(port) < 65536 else None
    return value, None


def _http_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: only http(s) URLs with a host are fetched, got {url!r}")
    try:
        parts.port
    except ValueError as exc:
        raise ConfigError(f"{where}: {url!r}: {exc}") from exc
    return url
