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

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa

from econ_news.fetch import LOCAL_SOURCE, RawFileRef, scan_folder
from econ_news.records import Reject
from econ_news.sources.rawstore import PAGES_DIR
from econ_news.store import PARTITION_KEYS, exists, join, partition_path, read_table

LEDGER_TABLE = "_ledger"
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


def read_ledger(curated_dir: str | Path) -> dict[str, tuple[str, str]]:
    """sha256 -> (ingest_date, source) of every raw input the published tables hold (curated_dir: a path
    or an fsspec URL)."""
    folder = join(curated_dir, LEDGER_TABLE)
    if not exists(folder):
        return {}
    table = read_table(folder, columns=["sha256", *PARTITION_KEYS])
    rows = zip(*(table.column(c).to_pylist() for c in ("sha256", *PARTITION_KEYS)))
    return {sha: (str(day), str(source)) for sha, day, source in rows}


def plan(inventory: Inventory, ledger: dict[str, tuple[str, str]], *, reprocess: bool,
         dates: tuple[date, date] | None = None, sources: set[str] | None = None) -> list[PartitionWork]:
    """The partitions to write and the inputs to process in each.

    reprocess False: only inputs not in the ledger. dates (inclusive) and sources: only partitions there.
    """
    work: dict[tuple[str, str], PartitionWork] = {}

    def slot(ref: RawFileRef) -> PartitionWork | None:
        key = ledger.get(ref.sha256) or (ref.ingest_date, ref.source)
        if sources is not None and key[1] not in sources:
            return None
        if dates is not None and not (dates[0].isoformat() <= key[0] <= dates[1].isoformat()):
            return None
        if not reprocess and ref.sha256 in ledger:
            return None
        return work.setdefault(key, PartitionWork(*key))

    for ref in inventory.refs:
        if (entry := slot(ref)) is not None:
            entry.refs.append(ref)
            entry.ledger.setdefault(ref.sha256, ref.uri)
    for ref, reject in inventory.rejected:
        if (entry := slot(RawFileRef(ref.path, ref.size, reject.sha256, ref.source_uri, ref.source,
                                     ref.ingest_date))) is not None:
            entry.rejects.append(reject)
            if reject.sha256:
                entry.ledger.setdefault(reject.sha256, reject.source_uri)
    return [work[key] for key in sorted(work)]


def ledger_table(work: PartitionWork, run_id: str) -> pa.Table:
    rows = sorted(work.ledger.items())
    return pa.table({"sha256": [s for s, _ in rows], "source_uri": [u for _, u in rows],
                     "run_id": [run_id] * len(rows)}, schema=LEDGER_SCHEMA)
