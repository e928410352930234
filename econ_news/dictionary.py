"""The data dictionary (econ_news/reference/columns.json) as lookups: what a table or column means.

Imports nothing of the pipeline, so records.py can put the descriptions into the tables' Arrow schemas
(and so into every Parquet file's schema), and catalog.py into the DuckDB comments and _docs/.
"""
from __future__ import annotations

from functools import cache

import pyarrow as pa

from econ_news.reference import load_json


@cache
def dictionary() -> dict:
    return load_json("columns.json")


def describe(table: str, column: str) -> str | None:
    """The description of a column of a table (or of a Hive partition column), None when it has none."""
    entry = dictionary()["tables"].get(table, {}).get("columns", {})
    return entry.get(column) or dictionary()["partition_columns"].get(column)


def with_descriptions(schema: pa.Schema, table: str) -> pa.Schema:
    """The schema with each field's description in its metadata (key b"description") and the table's in
    the schema's, as Parquet keeps them; fields the dictionary does not know are left as they are."""
    fields = []
    for f in schema:
        text = describe(table, f.name)
        fields.append(f.with_metadata({**(f.metadata or {}), b"description": text.encode()}) if text else f)
    description = dictionary()["tables"].get(table, {}).get("description")
    metadata = {**(schema.metadata or {}), **({b"description": description.encode()} if description else {})}
    return pa.schema(fields, metadata=metadata)
