"""What a run processes: the raw inputs on disk, the ledger of those already in the tables, and the plan of
partitions to write.

Every raw input belongs to one partition, ingest_date=<the date its bytes landed>/source=<its source>. The
ledger (``<curated>/_ledger/``, partitioned and published with the tables, so it always describes exactly
what they hold) has one row per raw input processed, by sha256. From it:

- the nightly run processes only inputs whose hash is not in the ledger, and merges their rows into their
  partitions;
- a backfill selects partitions by date range and source; with ``reprocess`` it rebuilds them from every
  raw input in them and replaces them whole, without it it adds what is not yet in the ledger;
- an input keeps the partition the ledger first gave it (a plain file whose modification date changes,
  or bytes that turn up again under another source, do not move or repeat its rows).

A backfill that replaces a partition while a nightly merges new inputs into it may publish last and drop
those inputs' rows: it drops their ledger rows with them, so the next nightly processes them again.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa

from econ_news.fetch import (BAD_SIDECAR, LINK_OUTSIDE_RAW_DIR, LOCAL_SOURCE, NOT_REGULAR_FILE, RawFileRef,
                              printable_path, scan_folder)
from econ_news.records import Reject, stable_id
from econ_news.sources.rawstore import PAGES_DIR
from econ_news.store import PARTITION_KEYS, count_rows, exists, join, partition_path, read_columns

LEDGER_TABLE = "_ledger"
# Rejects of a read that may succeed next time: their inputs are to be read again, not held.
TRANSIENT_REJECT_REASONS = frozenset({"unreadable", "changed_during_run"})
# Rejects the ledger does not hold, so every run looks at their inputs again (a mended sidecar, a link
# replaced by the file): once a run processes the input, or rejects it anew, these rows are stale.
RETRIED_REJECT_REASONS = TRANSIENT_REJECT_REASONS | {BAD_SIDECAR, NOT_REGULAR_FILE, LINK_OUTSIDE_RAW_DIR}
# Articles one raw input can yield (segment's limit is 50): bounds the article ids retired with an input.
MAX_ARTICLES_PER_INPUT = 1000
LEDGER_SCHEMA = pa.schema([("sha256", pa.string()), ("source_uri", pa.string()), ("run_id", pa.string())])

# Which rows are "the same row" when a run's rows are merged into a live partition.
MERGE_KEYS = {
    "articles": ("article_id",),
    "projects": ("project_id",),
    "metrics": ("metric_id",),
    "rejects": ("source_uri", "sha256", "stage", "reason", "detail"),
    "quarantine": ("table", "row_key", "expectation", "column"),
    LEDGER_TABLE: ("sha256",),
}


@dataclass
class PartitionWork:
    """The raw inputs of one partition that a run processes."""

    ingest_date: str
    source: str
    refs: list[RawFileRef] = field(default_factory=list)  # to read and process
    rejects: list[Reject] = field(default_factory=list)  # rejected while scanning
    ledger: dict[str, str] = field(default_factory=dict)  # sha256 -> uri of every input above
    retired: set[str] = field(default_factory=set)  # sha256 of older versions whose rows leave the partition
    # (source_uri, reason) of retried rejects in the partition that this run's outcome for the input replaces
    stale_rejects: set[tuple[str, str]] = field(default_factory=set)

    @property
    def path(self) -> str:
        return partition_path(self.ingest_date, self.source)

    @property
    def inputs(self) -> int:
        return len(self.refs) + len(self.rejects)


@dataclass(frozen=True)
class Inventory:
    """Every raw input on disk, in a stable order, with what scanning rejected."""

    refs: list[RawFileRef]
    rejected: list[tuple[RawFileRef, Reject]]


def take_inventory(folders: list[tuple[str, Path]], raw_dir: Path | None, max_bytes: int, timezone: str,
                   folder_sidecars: bool = False) -> Inventory:
    """The landed pages under raw_dir/web (each attributed by its sidecar) and the files of each folder
    source (plain files attributed to the folder's source). A file reached through two roots counts once;
    the same bytes in two files are a duplicate_content reject after the first.

    folder_sidecars: also read the sidecars of landed pages inside the folders (`econ-news run` on a raw
    store); a configured folder source's files are the folder's, whatever sidecar lies beside them.
    """
    # Files in web/ carry a sidecar naming their source; a stray plain file put there by hand is local.
    roots = ([(LOCAL_SOURCE, Path(raw_dir) / PAGES_DIR, True)] if raw_dir is not None else []) \
        + [(source, folder, folder_sidecars) for source, folder in folders]
    refs, rejected = [], []
    seen_paths: set[Path] = set()
    first_by_hash: dict[str, str] = {}
    for source, folder, sidecars in roots:
        if not Path(folder).is_dir():
            continue
        found, bad = scan_folder(folder, max_bytes, source, timezone, sidecars)
        for ref, reject in bad:
            if _first_visit(ref, seen_paths):
                rejected.append((ref, reject))
        for ref in found:
            if not _first_visit(ref, seen_paths):
                continue
            if ref.sha256 in first_by_hash:
                rejected.append((ref, Reject(ref.uri, ref.sha256, "fetch", "duplicate_content",
                                             f"same bytes as {first_by_hash[ref.sha256]}")))
                continue
            first_by_hash[ref.sha256] = ref.uri
            refs.append(ref)
    return Inventory(refs, rejected)


def _first_visit(ref: RawFileRef, seen: set[Path]) -> bool:
    key = Path(ref.path).resolve()
    if key in seen:
        return False
    seen.add(key)
    return True


# A ledger row: the partition an input is in and the URI it came from.
LedgerRow = tuple[str, str, str]  # (ingest_date, source, source_uri)


def read_ledger(curated_dir: str | Path) -> dict[str, LedgerRow]:
    """sha256 -> (ingest_date, source, source_uri) of every raw input the published ledger lists
    (curated_dir: a path or an fsspec URL)."""
    folder = join(curated_dir, LEDGER_TABLE)
    if not exists(folder):
        return {}
    columns = ["sha256", *PARTITION_KEYS, "source_uri"]
    table = read_columns(folder, columns)
    rows = zip(*(table.column(c).to_pylist() for c in columns))
    return {sha: (str(day), str(source), uri or "") for sha, day, source, uri in rows}


def inputs_in_tables(curated_dir: str | Path) -> dict[str, LedgerRow]:
    """sha256 -> (ingest_date, source, source_uri) of every raw input the published tables hold rows of:
    the documents of the articles, of the quarantined articles, and the rejected inputs. What the ledger
    should list; reads a few columns of the articles, rejects and quarantine tables."""
    held: dict[str, LedgerRow] = {}
    for table, sha_column in (("articles", "doc_sha256"), ("rejects", "sha256")):
        folder = join(curated_dir, table)
        if not exists(folder):
            continue
        columns = [sha_column, *PARTITION_KEYS, "source_uri", "reason"]
        got = read_columns(folder, columns)
        for sha, day, source, uri, reason in zip(*(got.column(c).to_pylist() for c in columns)):
            if sha and reason not in TRANSIENT_REJECT_REASONS:
                held.setdefault(sha, (str(day), str(source), uri or ""))
    folder = join(curated_dir, "quarantine")
    if exists(folder):
        got = read_columns(folder, ["table", "row_json", *PARTITION_KEYS])
        for table, row_json, day, source in zip(*(got.column(c).to_pylist()
                                                  for c in ("table", "row_json", *PARTITION_KEYS))):
            if table != "articles" or not row_json:
                continue
            try:
                row = json.loads(row_json)
            except ValueError:
                continue
            if isinstance(row, dict) and row.get("doc_sha256"):
                held.setdefault(row["doc_sha256"], (str(day), str(source), row.get("source_uri") or ""))
    return held


def retried_rejects(curated_dir: str | Path) -> dict[str, set[tuple[str, str, str]]]:
    """source_uri -> (ingest_date, source, reason) of the published rejects whose inputs every run looks at
    again (RETRIED_REJECT_REASONS); reads three columns of the rejects table."""
    folder = join(curated_dir, "rejects")
    if not exists(folder):
        return {}
    columns = ["source_uri", "reason", *PARTITION_KEYS]
    got = read_columns(folder, columns)
    found: dict[str, set[tuple[str, str, str]]] = {}
    for uri, reason, day, source in zip(*(got.column(c).to_pylist() for c in columns)):
        if uri and reason in RETRIED_REJECT_REASONS:
            found.setdefault(uri, set()).add((str(day), str(source), reason))
    return found


def plan(inventory: Inventory, ledger: dict[str, LedgerRow], *, reprocess: bool,
         dates: tuple[date, date] | None = None, sources: set[str] | None = None,
         held: dict[str, LedgerRow] | None = None,
         retried: dict[str, set[tuple[str, str, str]]] | None = None) -> list[PartitionWork]:
    """The partitions to write and the inputs to process in each.

    reprocess False: only inputs not in the ledger. dates (inclusive) and sources: only partitions there.

    Only the newest version of a source URI (a page fetched again with other bytes, a file edited in a
    folder source) is processed; the rows of an older version in the tables are retired from its partition
    (and its ledger row with them) once the newest one is in the tables or processed by this run. Older
    versions stay in the raw store and are skipped by every run.

    held (without reprocess): the inputs the tables hold rows of (inputs_in_tables). One the ledger does not
    list (a lost or damaged ledger) is not processed again, which would count it twice in another
    partition when its file was touched: its ledger row is written back to the partition it is in.

    retried (retried_rejects): the published rejects of inputs read again. Those of an input this run
    processes or rejects (by its URI, or its path: a mended sidecar gives a file its URL) leave the
    tables, in whichever partition they are: the input's rows now say what became of it.
    """
    work: dict[tuple[str, str], PartitionWork] = {}
    listed = ledger
    healed = {sha: row for sha, row in (held or {}).items() if sha not in listed} if not reprocess else {}
    ledger = {**healed, **listed}

    def selected(key: tuple[str, str]) -> bool:
        if sources is not None and key[1] not in sources:
            return False
        return dates is None or dates[0].isoformat() <= key[0] <= dates[1].isoformat()

    def slot(ref: RawFileRef) -> PartitionWork | None:
        key = ledger[ref.sha256][:2] if ref.sha256 in ledger else (ref.ingest_date, ref.source)
        if not selected(key) or (not reprocess and ref.sha256 in ledger):
            return None
        return work.setdefault(key, PartitionWork(*key))

    rejected = [(RawFileRef(ref.path, ref.size, reject.sha256, ref.source_uri, ref.source, ref.ingest_date),
                 reject) for ref, reject in inventory.rejected]
    newest = _newest_versions([*inventory.refs, *(ref for ref, _ in rejected)])
    current = set(newest.values())
    processed: set[str] = set()
    accounted: list[RawFileRef] = []  # the inputs this run processes or rejects
    for ref in inventory.refs:
        if _is_current(ref, newest) and (entry := slot(ref)) is not None:
            accounted.append(ref)
            entry.refs.append(ref)
            entry.ledger.setdefault(ref.sha256, ref.uri)
            processed.add(ref.sha256)
    for ref, reject in rejected:
        if _is_current(ref, newest) and (entry := slot(ref)) is not None:
            accounted.append(ref)
            entry.rejects.append(reject)
            if reject.sha256:
                entry.ledger.setdefault(reject.sha256, reject.source_uri)
                processed.add(reject.sha256)
    # Older versions of a URI whose newest version the tables will hold: their rows leave.
    in_tables_after = set(ledger) | processed
    for sha, (day, source, uri) in ledger.items():
        newer = newest.get(uri)
        if newer is None or newer == sha or sha in current or newer not in in_tables_after:
            continue
        entry = work.setdefault((day, source), PartitionWork(day, source))
        entry.retired.add(sha)
        entry.refs = [ref for ref in entry.refs if ref.sha256 != sha]
        entry.ledger.pop(sha, None)
    # Retried rejects of the inputs this run accounts for: this run's outcome replaces them.
    for ref in accounted if retried else ():
        for uri in {ref.uri, printable_path(ref.path)}:
            for day, source, reason in retried.get(uri, ()):
                work.setdefault((day, source), PartitionWork(day, source)).stale_rejects.add((uri, reason))
    # Inputs the tables hold that the ledger does not list: their ledger rows are written back.
    for sha, (day, source, uri) in healed.items():
        if selected((day, source)) and sha in in_tables_after:
            entry = work.setdefault((day, source), PartitionWork(day, source))
            if sha not in entry.retired:
                entry.ledger.setdefault(sha, uri)
    return [work[key] for key in sorted(work)]


def _version_key(ref: RawFileRef) -> tuple:
    """Newer versions of a URI sort later: landed on a later day, then written later (a landed file is
    written once; an edited plain file gets a new modification time), then by hash (deterministic)."""
    try:
        written = os.stat(ref.path).st_mtime_ns
    except OSError:
        written = 0
    return ref.ingest_date, written, ref.sha256


def _newest_versions(refs: list[RawFileRef]) -> dict[str, str]:
    """source URI -> sha256 of its newest version among refs (inputs whose bytes were read)."""
    best: dict[str, tuple] = {}
    for ref in refs:
        if not ref.sha256 or ref.sha256.startswith("prefix:"):
            continue
        key = _version_key(ref)
        if ref.uri not in best or key > best[ref.uri]:
            best[ref.uri] = key
    return {uri: key[2] for uri, key in best.items()}


def _is_current(ref: RawFileRef, newest: dict[str, str]) -> bool:
    """Whether ref is the newest version of its URI (or has no versions: an input not read whole)."""
    return newest.get(ref.uri, ref.sha256) == ref.sha256


def retired_rows(shas: set[str] | frozenset[str]) -> dict[str, tuple[str, frozenset]]:
    """table -> (column, values): the rows of the given raw inputs in a partition, every table. Projects,
    metrics and quarantine rows name their article: an article's id is stable_id(doc sha256, ordinal), and
    a document yields at most MAX_ARTICLES_PER_INPUT of them."""
    shas = frozenset(shas)
    article_ids = frozenset(stable_id(sha, ordinal) for sha in shas for ordinal in range(MAX_ARTICLES_PER_INPUT + 1))
    return {"articles": ("doc_sha256", shas), "rejects": ("sha256", shas), LEDGER_TABLE: ("sha256", shas),
            "projects": ("article_id", article_ids), "metrics": ("article_id", article_ids),
            "quarantine": ("article_id", article_ids)}


class EmptyInputRefused(RuntimeError):
    """A run that would replace tables holding rows with empty ones, because it found no input."""


def refuse_empty_replacement(n_inputs: int, raw_dir: str, curated_dir: str | Path, allow_empty: bool) -> None:
    """Raise EmptyInputRefused when a run that replaces the tables whole found no input where the tables
    hold rows: a mistyped or unmounted raw folder must not wipe them (allow_empty: it is meant)."""
    if n_inputs or allow_empty:
        return
    held = {name: count_rows(join(curated_dir, name)) for name in ("articles", "rejects", LEDGER_TABLE)}
    if any(held.values()):
        state = "missing" if not Path(raw_dir).exists() else "empty" if Path(raw_dir).is_dir() else "not a folder"
        raise EmptyInputRefused(
            f"refusing to replace the tables: raw folder {raw_dir} is {state} (no input found) while {curated_dir} "
            f"holds {held['articles']} articles and {held['rejects']} rejects; pass --allow-empty to empty them")


def ledger_table(inputs: dict[str, str], run_id: str) -> pa.Table:
    """Ledger rows for raw inputs (sha256 -> uri) that a run accounts for."""
    rows = sorted(inputs.items())
    return pa.table({"sha256": [s for s, _ in rows], "source_uri": [u for _, u in rows],
                     "run_id": [run_id] * len(rows)}, schema=LEDGER_SCHEMA)
