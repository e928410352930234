"""Typed records that flow through the pipeline, and the Arrow schemas of the curated tables.

This module is the output contract (../shared/spec/CONTRACT.md) in code: the contract's
columns come first in each schema with exactly the contract's names and Arrow types; the
columns after them are this project's extensions (evidence offsets, rule names, qualifiers).
Nothing here imports Prefect.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import date

import pyarrow as pa

# Status codes and indicator codes the contract fixes. Wordings that map to them live in
# econ_news/reference/*.json; the codes themselves are part of the contract.
STATUS_CODES = (
    "planned",
    "signed",
    "started",
    "under_construction",
    "trial_operation",
    "in_operation",
)
CONTRACT_INDICATORS = (
    "gdp",
    "industrial_output",
    "industrial_output_above_scale",
    "industrial_value_added",
    "industrial_value_added_above_scale",
    "fixed_asset_investment",
    "tax_revenue",
    "fiscal_revenue",
    "retail_sales",
    "funds_in_place",
    "contract_value",
    "planned_investment",
    "completed_investment",
    "project_count",
    "output_value",
    "profit",
    "jobs",
    "enterprise_count",
)


def stable_id(*parts: object) -> str:
    """A short deterministic id: the same inputs give the same id on every run and machine."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class RawDocument:
    """Bytes as they landed, before any decoding."""

    source_uri: str  # URL, or the raw file's path; its last component is the file name
    data: bytes
    sha256: str
    size: int

    @classmethod
    def from_bytes(cls, source_uri: str, data: bytes) -> "RawDocument":
        return cls(source_uri, data, hashlib.sha256(data).hexdigest(), len(data))


@dataclass(frozen=True)
class Block:
    """One cleaned paragraph-level unit of a page, tagged with what it is.

    normalize produces blocks; segment groups them into articles. Page furniture and photo
    captions are dropped by normalize and never become blocks; metadata lines (date, source,
    editor) are kept as kind="meta" so segment can read the publication date from them.
    """

    kind: str  # "heading" | "paragraph" | "meta" | "byline" | "issue_date" (an e-paper's) | "signoff" ((记者 X) closing an article)
    text: str
    level: int = 0  # markdown heading level when the page marks one (1 = "# "), else 0
    published_date: date | None = None  # for kind="meta": the date the line states


@dataclass(frozen=True)
class NormalizedDocument:
    source_uri: str
    sha256: str
    encoding: str  # the codec the bytes were decoded with
    converted_script: bool  # True when traditional characters were converted
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Sentence:
    start: int  # character offsets into Article.text: text[start:end] == sentence text
    end: int
    paragraph: int  # index of the paragraph within the article body


@dataclass(frozen=True)
class Article:
    article_id: str
    source_uri: str
    doc_sha256: str
    ordinal: int  # position of the article within its raw file, from 0
    title: str | None
    published_date: date | None
    date_source: str | None  # "stated" (printed on the page) | "inferred" | None
    byline: str | None
    text: str  # body paragraphs joined with "\n"
    sentences: tuple[Sentence, ...] = field(default=(), repr=False)
    is_fragment: bool = False  # the tail of another page at the head of the file

    def sentence_text(self, s: Sentence) -> str:
        return self.text[s.start : s.end]


@dataclass(frozen=True)
class Project:
    project_id: str
    article_id: str
    name: str
    company: str | None
    investment_cny: float | None
    status: str | None
    evidence: str
    evidence_start: int  # Article.text[evidence_start:evidence_end] == evidence
    evidence_end: int
    investment_qualifier: str | None = None  # 约 / 近 / 超 / 逾 / 多 / 以上 ...
    investment_currency: str | None = None  # original currency when not CNY
    capacity: str | None = None  # as written: 年产240万吨, 300MW/1200MWh
    land_area_mu: float | None = None
    status_date: date | None = None
    phase: str | None = None  # 一期 / 二期 ...
    rule: str | None = None  # which extraction rule produced the row


@dataclass(frozen=True)
class Metric:
    metric_id: str
    article_id: str
    entity: str
    indicator: str
    period_start: date | None
    period_end: date | None
    value: float | None
    unit: str
    yoy_pct: float | None
    evidence: str
    evidence_start: int
    evidence_end: int
    entity_code: str | None = None  # administrative division code (GB/T 2260) when known
    value_qualifier: str | None = None  # 约 / 近 / 超 / 逾 / 余 / 以上 / 预计 ...
    share_pct: float | None = None  # 占全市29% -> 29.0
    rank: int | None = None  # 排名131位 -> 131
    # how the period was resolved: "explicit" | "published_date" | "inferred_date" | "stated_year"
    period_basis: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Reject:
    """A raw input (or part of one) that yielded nothing, and why. Nothing is dropped silently."""

    source_uri: str
    sha256: str
    stage: str  # fetch | normalize | segment | extract
    reason: str  # short code: empty_file, binary, undecodable, oversized, no_article, ...
    detail: str = ""


# ---------------------------------------------------------------------------------------
# Arrow schemas. Contract columns first, exact names and types; then extensions.

ARTICLES_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("source_uri", pa.string()),
        ("title", pa.string()),
        ("published_date", pa.date32()),
        ("text", pa.string()),
        ("doc_sha256", pa.string()),
        ("ordinal", pa.int32()),
        ("date_source", pa.string()),
        ("byline", pa.string()),
        ("is_fragment", pa.bool_()),
        ("run_id", pa.string()),
    ]
)

PROJECTS_SCHEMA = pa.schema(
    [
        ("project_id", pa.string()),
        ("article_id", pa.string()),
        ("name", pa.string()),
        ("company", pa.string()),
        ("investment_cny", pa.float64()),
        ("status", pa.string()),
        ("evidence", pa.string()),
        ("evidence_start", pa.int32()),
        ("evidence_end", pa.int32()),
        ("investment_qualifier", pa.string()),
        ("investment_currency", pa.string()),
        ("capacity", pa.string()),
        ("land_area_mu", pa.float64()),
        ("status_date", pa.date32()),
        ("phase", pa.string()),
        ("rule", pa.string()),
        ("run_id", pa.string()),
    ]
)

METRICS_SCHEMA = pa.schema(
    [
        ("metric_id", pa.string()),
        ("article_id", pa.string()),
        ("entity", pa.string()),
        ("indicator", pa.string()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("yoy_pct", pa.float64()),
        ("evidence", pa.string()),
        ("evidence_start", pa.int32()),
        ("evidence_end", pa.int32()),
        ("entity_code", pa.string()),
        ("value_qualifier", pa.string()),
        ("share_pct", pa.float64()),
        ("rank", pa.int32()),
        ("period_basis", pa.string()),
        ("rule", pa.string()),
        ("run_id", pa.string()),
    ]
)

REJECTS_SCHEMA = pa.schema(
    [
        ("source_uri", pa.string()),
        ("sha256", pa.string()),
        ("stage", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("run_id", pa.string()),
    ]
)

# Rows that failed a row-level expectation: kept whole (row_json) with the expectation and value that failed.
QUARANTINE_SCHEMA = pa.schema(
    [
        ("table", pa.string()),
        ("row_key", pa.string()),
        ("article_id", pa.string()),
        ("expectation", pa.string()),
        ("column", pa.string()),
        ("value", pa.string()),
        ("why", pa.string()),
        ("row_json", pa.string()),
        ("run_id", pa.string()),
    ]
)

# The columns the contract fixes, per table: a change to any of these is a breaking change.
CONTRACT_COLUMNS = {
    "articles": ("article_id", "source_uri", "title", "published_date", "text"),
    "projects": ("project_id", "article_id", "name", "company", "investment_cny", "status", "evidence"),
    "metrics": (
        "metric_id", "article_id", "entity", "indicator", "period_start", "period_end",
        "value", "unit", "yoy_pct", "evidence",
    ),
}

TABLE_KEYS = {"articles": "article_id", "projects": "project_id", "metrics": "metric_id"}

SCHEMAS = {
    "articles": ARTICLES_SCHEMA,
    "projects": PROJECTS_SCHEMA,
    "metrics": METRICS_SCHEMA,
    "rejects": REJECTS_SCHEMA,
    "quarantine": QUARANTINE_SCHEMA,
}

# Every field carries its description from the data dictionary (reference/columns.json) into the Parquet
# files' schemas, so a reader of a bare file sees what each column means.
from econ_news.dictionary import with_descriptions  # noqa: E402

SCHEMAS = {name: with_descriptions(schema, name) for name, schema in SCHEMAS.items()}
ARTICLES_SCHEMA, PROJECTS_SCHEMA, METRICS_SCHEMA, REJECTS_SCHEMA, QUARANTINE_SCHEMA = (
    SCHEMAS[name] for name in ("articles", "projects", "metrics", "rejects", "quarantine"))


def to_table(records: list, schema: pa.Schema, **extra: object) -> pa.Table:
    """Records as an Arrow table of the schema; columns the record type lacks are filled from extra
    (e.g. run_id) or left null. Built column by column: a dict per row costs several times more."""
    names = {f.name for f in fields(records[0])} if records else set()
    columns = []
    for field_ in schema:
        if field_.name in extra:
            values = [extra[field_.name]] * len(records)
        elif field_.name in names:
            values = [getattr(r, field_.name) for r in records]
        else:
            values = [None] * len(records)
        columns.append(pa.array(values, type=field_.type))
    return pa.Table.from_arrays(columns, schema=schema)
