"""The curated tables' schemas against the output contract (../shared/spec/CONTRACT.md)."""
from __future__ import annotations

import re

import pyarrow as pa
import pytest

from econ_news.records import CONTRACT_COLUMNS, SCHEMAS, stable_id
from tests.conftest import SHARED

# The contract's minimum columns, as the contract states them. Kept here too so the test runs where
# ../shared is absent; test_contract_file_matches checks this copy against the file when it is there.
CONTRACT_TYPES = {
    "articles": {"article_id": "string", "source_uri": "string", "title": "string",
                 "published_date": "date32", "text": "string"},
    "projects": {"project_id": "string", "article_id": "string", "name": "string", "company": "string",
                 "investment_cny": "float64", "status": "string", "evidence": "string"},
    "metrics": {"metric_id": "string", "article_id": "string", "entity": "string", "indicator": "string",
                "period_start": "date32", "period_end": "date32", "value": "float64", "unit": "string",
                "yoy_pct": "float64", "evidence": "string"},
}
ARROW = {"string": pa.string(), "date32": pa.date32(), "float64": pa.float64()}


@pytest.mark.parametrize("table", sorted(CONTRACT_TYPES))
def test_schema_has_contract_columns_with_exact_types(table):
    schema = SCHEMAS[table]
    for column, type_name in CONTRACT_TYPES[table].items():
        assert column in schema.names, f"{table}.{column} missing"
        assert schema.field(column).type == ARROW[type_name], f"{table}.{column} is {schema.field(column).type}"
    # Contract columns lead, in the contract's order; extensions follow.
    assert tuple(schema.names[: len(CONTRACT_TYPES[table])]) == tuple(CONTRACT_TYPES[table])
    assert CONTRACT_COLUMNS[table] == tuple(CONTRACT_TYPES[table])


def test_contract_file_matches():
    path = SHARED / "spec" / "CONTRACT.md"
    if not path.exists():
        pytest.skip(f"{path} is absent (a user's clone has no ../shared)")
    text = path.read_text(encoding="utf-8")
    for table, columns in CONTRACT_TYPES.items():
        section = text.split(f"## {table}", 1)[1].split("\n## ", 1)[0]
        # Column rows only: "| name | type[, nullable] | meaning |" (the status and indicator tables differ).
        rows = re.findall(r"^\| (\w+) \| (string|date32|float64|int\d+|bool)\b[^|]*\|", section, flags=re.M)
        stated = dict(rows)
        assert stated == columns, f"{table}: contract says {stated}"


def test_stable_id_is_deterministic_and_distinguishes_inputs():
    assert stable_id("a", 1) == stable_id("a", 1)
    assert stable_id("a", 1) != stable_id("a", 2)
    assert stable_id("a", None) != stable_id("a", "x")
    assert re.fullmatch(r"[0-9a-f]{16}", stable_id("x"))
