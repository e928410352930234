"""Issue 13 (low): a reject of an input the next runs read again (a failed read, bytes changed during the
run, a damaged sidecar) leaves the rejects table once a run processes the input, or rejects it anew: an
analyst never sees a reject for an input that is in the tables. Real files, real nightly flow runs."""
from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.test_intake_faults import (SAMPLES, SOURCES_TOML, _gone_while, _land_by_hand,
                                      _night_whose_reads_fail_after_the_scan, _rows)


@contextmanager
def _changed_while(path: Path):
    """The file's bytes change between the scan and the read (an editor saving it), and stay changed."""
    with path.open("ab") as fh:
        fh.write("\n（本文有更新）\n".encode())
    yield


def _folder_source(tmp_path: Path, n: int = 3) -> tuple[Path, Path, Path]:
    """A folder source of n sample files and its config; returns (config, the folder, the curated root)."""
    folder = tmp_path / "samples"
    folder.mkdir()
    for sample in SAMPLES[:n]:
        shutil.copy(sample, folder / sample.name)
    config = tmp_path / "sources.toml"
    config.write_text(SOURCES_TOML, encoding="utf-8")
    return config, folder, tmp_path / "curated"


def _articles_of(curated: Path, uri: str) -> int:
    articles = _rows(curated, "articles")
    return int((articles["source_uri"] == uri).sum())


def _assert_keys_unique(curated: Path) -> None:
    for table, key in (("articles", "article_id"), ("projects", "project_id"), ("metrics", "metric_id")):
        rows = _rows(curated, table)
        assert not rows[key].duplicated().any(), table


@pytest.mark.parametrize("fault, reason", [(_gone_while, "unreadable"), (_changed_while, "changed_during_run")])
def test_the_reject_of_a_failed_read_leaves_when_the_next_nightly_reads_the_file(prefect_server, tmp_path,
                                                                                fault, reason):
    from flows.pipeline import nightly

    config, folder, curated = _folder_source(tmp_path)
    victim = folder / SAMPLES[2].name
    faulted = _night_whose_reads_fail_after_the_scan(config, lambda: fault(victim))
    assert faulted.rejects == {reason: 1}
    assert list(_rows(curated, "rejects")["source_uri"]) == [str(victim)]
    assert _articles_of(curated, str(victim)) == 0

    retried = nightly(config_path=str(config))

    assert retried.files == 1 and retried.written["articles"] == 1 and not retried.rejects
    assert len(_rows(curated, "rejects")) == 0, _rows(curated, "rejects").to_dict("records")
    assert _articles_of(curated, str(victim)) == 1
    assert len(_rows(curated, "articles")) == 3
    _assert_keys_unique(curated)
    assert nightly(config_path=str(config)).files == 0  # and nothing more to do


def test_a_retried_reject_is_replaced_by_the_next_reject_of_the_same_file(prefect_server, tmp_path):
    """Gone in the first night, changed during the second: the rejects say only the second; the third
    night reads it and the rejects are empty."""
    from flows.pipeline import nightly

    config, folder, curated = _folder_source(tmp_path)
    victim = folder / SAMPLES[2].name
    assert _night_whose_reads_fail_after_the_scan(config, lambda: _gone_while(victim)).rejects == {"unreadable": 1}

    second = _night_whose_reads_fail_after_the_scan(config, lambda: _changed_while(victim))

    assert second.rejects == {"changed_during_run": 1}
    rejects = _rows(curated, "rejects")
    assert list(zip(rejects["source_uri"], rejects["reason"])) == [(str(victim), "changed_during_run")]
    assert nightly(config_path=str(config)).written["articles"] == 1
    assert len(_rows(curated, "rejects")) == 0
    assert _articles_of(curated, str(victim)) == 1 and len(_rows(curated, "articles")) == 3
    _assert_keys_unique(curated)


def test_the_reject_of_a_damaged_sidecar_leaves_once_it_is_mended(prefect_server, tmp_path):
    """A landed page whose sidecar names no partition is rejected under its path; mended, the page is read
    under its URL, and the reject under the path leaves with it. Other rejects stay."""
    from flows.pipeline import nightly

    config, _, curated = _folder_source(tmp_path, n=2)
    web = tmp_path / "raw" / "web"
    page = _land_by_hand(web, SAMPLES[3].read_bytes(), {"source": "a/b", "final_url": "http://127.0.0.1/p3"})
    broken = _land_by_hand(web, SAMPLES[4].read_bytes(), {"source": "x/../y"})  # stays damaged
    sidecar = page.with_name(f"{page.name}.meta.json")

    first = nightly(config_path=str(config))
    assert first.rejects == {"bad_sidecar": 2}
    assert sorted(_rows(curated, "rejects")["source_uri"]) == sorted([str(page), str(broken)])

    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    sidecar.write_text(json.dumps(dict(meta, source="samples")), encoding="utf-8")
    second = nightly(config_path=str(config))

    assert second.written["articles"] == 1
    rejects = _rows(curated, "rejects")
    assert list(rejects["source_uri"]) == [str(broken)] and list(rejects["reason"]) == ["bad_sidecar"]
    assert _articles_of(curated, "http://127.0.0.1/p3") == 1 and len(_rows(curated, "articles")) == 3
    _assert_keys_unique(curated)


def test_a_stale_reject_and_an_older_version_leave_the_same_partition_together(prefect_server, tmp_path):
    """One partition loses, in one publish, the rows of an edited file's older version and the reject of
    another file read again: both retirements apply, neither hides the other."""
    from flows.pipeline import nightly

    config, folder, curated = _folder_source(tmp_path)
    edited, victim = folder / SAMPLES[0].name, folder / SAMPLES[2].name
    assert _night_whose_reads_fail_after_the_scan(config, lambda: _gone_while(victim)).rejects == {"unreadable": 1}
    with _changed_while(edited):
        pass

    second = nightly(config_path=str(config))

    assert second.files == 2 and second.written["articles"] == 2
    assert len(_rows(curated, "rejects")) == 0
    assert _articles_of(curated, str(edited)) == 1 and _articles_of(curated, str(victim)) == 1
    assert len(_rows(curated, "articles")) == 3
    _assert_keys_unique(curated)


def test_a_backfill_retiring_a_stale_reject_elsewhere_leaves_that_partition_whole(prefect_server, tmp_path):
    """A reprocessing backfill of one date replaces its partitions whole; the stale reject it retires lives
    in another partition (the page was rejected under its file's date, mended to another landing date),
    which must lose that row only, not be replaced by an empty one."""
    from datetime import date

    from flows.pipeline import backfill, nightly

    config, _, curated = _folder_source(tmp_path, n=2)
    web = tmp_path / "raw" / "web"
    page = _land_by_hand(web, SAMPLES[3].read_bytes(), {"source": "a/b", "final_url": "http://127.0.0.1/p3"})
    broken = _land_by_hand(web, SAMPLES[4].read_bytes(), {"source": "x/../y"})  # stays damaged
    assert nightly(config_path=str(config)).rejects == {"bad_sidecar": 2}
    sidecar = page.with_name(f"{page.name}.meta.json")
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    sidecar.write_text(json.dumps(dict(meta, source="samples", ingest_date="2025-11-01")), encoding="utf-8")

    day = date(2025, 11, 1)
    done = backfill(start_date=day, end_date=day, reprocess=True, config_path=str(config))

    assert done.written["articles"] == 1
    rejects = _rows(curated, "rejects")
    assert list(rejects["source_uri"]) == [str(broken)] and list(rejects["reason"]) == ["bad_sidecar"]
    assert _articles_of(curated, "http://127.0.0.1/p3") == 1 and len(_rows(curated, "articles")) == 3
    _assert_keys_unique(curated)
