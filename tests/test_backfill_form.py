"""The backfill deployment's form, registered on a real Prefect API (the test harness's server): its
`sources` field offers the configured names, and the server refuses a run naming any other source before
the run exists; the nightly's description names its time zone."""
from __future__ import annotations

from uuid import UUID

import pytest
from prefect import get_client

from econ_news.sources.config import load_config
from flows.deployments import build_deployments


@pytest.fixture()
def deployments(prefect_server, tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text('[schedule]\ncron = "0 2 * * *"\ntimezone = "Asia/Shanghai"\n'
                      '[[sources]]\nname = "zhangye_daily"\nkind = "folder"\npath = "a"\n'
                      '[[sources]]\nname = "gansu_gov"\nkind = "folder"\npath = "b"\n', encoding="utf-8")
    built = build_deployments(load_config(config))
    return {d.name: UUID(str(d.apply())) for d in built}


def test_the_backfill_form_offers_the_configured_sources_and_the_server_refuses_others(deployments):
    with get_client(sync_client=True) as client:
        backfill = client.read_deployment(deployments["backfill"])
        sources = backfill.parameter_openapi_schema["properties"]["sources"]
        assert {"type": "array", "items": {"type": "string", "enum": ["zhangye_daily", "gansu_gov"]}} in \
            sources["anyOf"]
        accepted = client.create_flow_run_from_deployment(
            backfill.id, parameters={"start_date": "2025-01-01", "end_date": "2025-01-31", "sources": ["gansu_gov"]})
        assert accepted.parameters["sources"] == ["gansu_gov"]
        with pytest.raises(Exception) as refused:
            client.create_flow_run_from_deployment(
                backfill.id, parameters={"start_date": "2025-01-01", "end_date": "2025-01-31", "sources": ["nope"]})
        assert "nope" in str(refused.value) and "zhangye_daily" in str(refused.value)
        nightly = client.read_deployment(deployments["nightly"])
        assert "Asia/Shanghai" in nightly.description
