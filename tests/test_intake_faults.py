"""Faults of the intake side (issue 13): crafted sidecars, file names that are not UTF-8, links and special
files in the raw folder. Real files, real flow runs under a real (temporary) Prefect server, a real
`econ-news run` process where a hang is the fault, real Parquet read back."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from econ_news.store import read_table
from tests.conftest import REPO, SAMPLE_RAW

SAMPLES = sorted(SAMPLE_RAW.glob("*.txt"))
# Partitioned tables, and the tables of projects across articles, which are not partitioned.
PART_FILE = re.compile(r"(articles|projects|metrics|rejects|quarantine|_ledger)/ingest_date=\d{4}-\d{2}-\d{2}/"
                       r"source=[a-z0-9][a-z0-9_-]{0,63}/[^/]+\.parquet|(project_master|project_events)/[^/]+\.parquet")


def _all_paths(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def _land_by_hand(web: Path, data: bytes, sidecar: dict) -> Path:
    """A page in the raw store's layout (web/<aa>/<sha256>.txt + sidecar), as a crafted one would be."""
    digest = hashlib.sha256(data).hexdigest()
    path = web / digest[:2] / f"{digest}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    meta = {"url": "http://127.0.0.1/x", "final_url": "http://127.0.0.1/x", "sha256": digest, "size": len(data),
            "fetched_at": "2025-11-01T01:00:00+00:00", "ingest_date": "2025-11-01", "source": "zhangye",
            "status": 200, "headers": {}, "media_type": "text/plain", "charset": None, **sidecar}
    (path.parent / f"{path.name}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return path


def _rows(curated: Path, name: str):
    return read_table(curated / name).to_pandas()


def _assert_only_well_formed_parts(curated: Path) -> None:
    for path in curated.rglob("*.parquet"):
        relative = path.relative_to(curated).as_posix()
        if not relative.startswith(("_staging/", "_reports/")):
            assert PART_FILE.fullmatch(relative), relative


# ---------------------------------------------------------------------------------------------------
# Item 1: partition values from sidecars

def test_partition_path_refuses_values_that_lead_out_of_the_root():
    from econ_news.store import partition_path

    assert partition_path("2025-11-01", "zhangye_daily") == "ingest_date=2025-11-01/source=zhangye_daily"
    for day, source in [("2025-11-01", "x/../../../somewhere"), ("2025-11-01", "a/b"), ("2025-11-01", ".."),
                        ("2025-11-01", ""), ("2025-11-01", "Zhangye"), ("../2025", "s"), ("2025-02-30", "s"),
                        ("2025-11-01/..", "s"), ("", "s")]:
        with pytest.raises(ValueError, match="not a partition"):
            partition_path(day, source)


def test_crafted_sidecars_write_nothing_outside_the_root_and_lose_nothing(prefect_server, tmp_path):
    """The issue's reproduction, under `econ-news run` (the flow it runs): sidecars beside plain files, and
    pages in the raw store's layout whose sidecars name a source or a date that is no partition."""
    from flows.pipeline import run_pipeline

    raw, curated, reference = tmp_path / "raw", tmp_path / "curated", tmp_path / "reference"
    raw.mkdir()
    for sample in SAMPLES[:3]:
        shutil.copy(sample, raw / sample.name)
    escape = "x/../../../../../../somewhere"
    crafted = {"source": escape, "ingest_date": "2025-11-01", "final_url": "http://127.0.0.1/a", "sha256": "0" * 64}
    (raw / f"{SAMPLES[0].name}.meta.json").write_text(json.dumps(crafted), encoding="utf-8")
    (raw / f"{SAMPLES[1].name}.meta.json").write_text(json.dumps(dict(crafted, source="a/b")), encoding="utf-8")
    # Landed-looking pages (named by their hash, sidecar naming the same hash) with bad partition values.
    web = raw / "web"
    bad_source = _land_by_hand(web, SAMPLES[3].read_bytes(), {"source": escape})
    bad_date = _land_by_hand(web, SAMPLES[4].read_bytes() + b"\n", {"ingest_date": "2025-02-30"})
    bad_url = _land_by_hand(web, SAMPLES[4].read_bytes() + b"\n\n", {"final_url": "http://127.0.0.1/\udcd5"})
    good = _land_by_hand(web, SAMPLES[4].read_bytes(), {"source": "zhangye", "ingest_date": "2025-11-01"})
    before = _all_paths(tmp_path)

    summary = run_pipeline(raw_dir=str(raw), curated_dir=str(curated), batch_size=2)

    created = _all_paths(tmp_path) - before
    assert created and all(p.is_relative_to(curated) for p in created), sorted(map(str, created))[:5]
    assert not any("somewhere" in p.parts for p in _all_paths(tmp_path.parent) if p.is_relative_to(tmp_path))
    _assert_only_well_formed_parts(curated)
    articles, rejects = _rows(curated, "articles"), _rows(curated, "rejects")
    # The plain files keep their rows, under the run's own source: their sidecars are nobody's.
    plain = articles[articles["source"] == "local"]
    assert sorted(plain["source_uri"]) == sorted(str(raw / s.name) for s in SAMPLES[:3])
    landed = articles[articles["source"] == "zhangye"]
    assert list(landed["doc_sha256"]) == [good.name.split(".")[0]] and set(landed["ingest_date"]) == {"2025-11-01"}
    bad = rejects[rejects["reason"] == "bad_sidecar"].set_index("source_uri")
    assert sorted(bad.index) == sorted(str(p) for p in (bad_source, bad_date, bad_url))
    assert "is not a source name" in bad.loc[str(bad_source), "detail"]
    assert "not a real date" in bad.loc[str(bad_date), "detail"]
    assert "final_url" in bad.loc[str(bad_url), "detail"]
    assert summary.files == 7 and summary.rejects == {"bad_sidecar": 3}
    # Nothing vanished: the rows of the plain files are exactly those of a run on them alone.
    alone = tmp_path / "alone"
    alone.mkdir()
    for sample in SAMPLES[:3]:
        shutil.copy(sample, alone / sample.name)
    run_pipeline(raw_dir=str(alone), curated_dir=str(reference), batch_size=2)
    for name in ("articles", "projects", "metrics"):
        assert len(_rows(reference, name)) > 0
        local = _rows(curated, name)
        local = local[local["article_id"].isin(plain["article_id"])]
        assert len(local) == len(_rows(reference, name)), name


def test_a_folder_source_owns_its_files_whatever_sidecar_lies_beside_them(prefect_server, tmp_path):
    """Nightly: a folder source's page in the raw store's layout with a crafted sidecar is the folder's;
    a crafted page in the raw store itself is a bad_sidecar reject; the next nightly goes through."""
    from flows.pipeline import nightly

    folder = tmp_path / "samples"
    folder.mkdir()
    for sample in SAMPLES[:2]:
        shutil.copy(sample, folder / sample.name)
    dropped = _land_by_hand(folder, SAMPLES[2].read_bytes(), {"source": "x/../../../../../../somewhere"})
    crafted = _land_by_hand(tmp_path / "raw" / "web", SAMPLES[3].read_bytes(), {"source": "../../somewhere"})
    config = tmp_path / "sources.toml"
    config.write_text('[store]\nraw_dir = "raw"\ncurated_dir = "curated"\n\n'
                      '[[sources]]\nname = "samples"\nkind = "folder"\npath = "samples"\n', encoding="utf-8")
    before = _all_paths(tmp_path)

    night = nightly(config_path=str(config))

    assert all(p.is_relative_to(tmp_path / "curated") for p in _all_paths(tmp_path) - before)
    _assert_only_well_formed_parts(tmp_path / "curated")
    articles = _rows(tmp_path / "curated", "articles")
    assert set(articles["source"]) == {"samples"} and len(articles) == 3
    assert str(dropped) in set(articles["source_uri"])
    rejects = _rows(tmp_path / "curated", "rejects")
    assert list(rejects["source_uri"]) == [str(crafted)] and list(rejects["reason"]) == ["bad_sidecar"]
    assert night.files == 4
    again = nightly(config_path=str(config))
    assert again.files == 1 and again.rejects == {"bad_sidecar": 1}  # looked at again: it may be mended
    assert len(_rows(tmp_path / "curated", "articles")) == 3 and len(_rows(tmp_path / "curated", "rejects")) == 1


# ---------------------------------------------------------------------------------------------------
# Item 3: a file name that is not UTF-8

GBK_NAME = "张掖经开区.txt".encode("gbk")


def test_a_file_named_in_gbk_is_read_under_an_escaped_name_and_the_nights_go_on(prefect_server, tmp_path):
    from flows.pipeline import nightly, run_pipeline

    folder = tmp_path / "samples"
    folder.mkdir()
    for sample in SAMPLES[:2]:
        shutil.copy(sample, folder / sample.name)
    gbk_path = os.path.join(os.fsencode(folder), GBK_NAME)
    with open(gbk_path, "wb") as fh:  # a name of GBK bytes, as a Windows share or a zip leaves it
        fh.write(SAMPLES[2].read_bytes())
    with pytest.raises(UnicodeDecodeError):
        GBK_NAME.decode("utf-8")
    escaped = str(folder) + "/" + GBK_NAME.decode("utf-8", "backslashreplace")

    summary = run_pipeline(raw_dir=str(folder), curated_dir=str(tmp_path / "run"), batch_size=2)
    articles = _rows(tmp_path / "run", "articles")
    assert summary.files == 3 and len(articles) == 3 and escaped in set(articles["source_uri"])
    assert len(_rows(tmp_path / "run", "projects")) > 0

    config = tmp_path / "sources.toml"
    config.write_text('[store]\nraw_dir = "raw"\ncurated_dir = "curated"\n\n'
                      '[[sources]]\nname = "samples"\nkind = "folder"\npath = "samples"\n', encoding="utf-8")
    first = nightly(config_path=str(config))
    assert first.files == 3 and first.written["articles"] == 3
    shutil.copy(SAMPLES[3], folder / SAMPLES[3].name)
    second = nightly(config_path=str(config))  # the following night: only the new file
    assert second.files == 1 and second.written["articles"] == 1
    nightly_articles = _rows(tmp_path / "curated", "articles")
    assert len(nightly_articles) == 4 and escaped in set(nightly_articles["source_uri"])


# ---------------------------------------------------------------------------------------------------
# Item 5: links and special files

RUN_BOUND_SECONDS = 240  # a hang detector, not a timing: the run takes well under a minute


def test_links_and_special_files_are_rejected_and_never_hang_a_run(prefect_server, tmp_path):
    """A real `econ-news run` over a folder holding a FIFO, links to /etc/passwd, /dev/zero and /etc, a
    dangling link, a link into a folder the scan skips, and a link to a sample inside the folder."""
    from prefect.settings import PREFECT_API_URL

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    for sample in SAMPLES:
        shutil.copy(sample, raw / sample.name)
    os.symlink("/etc/passwd", raw / "passwd.txt")
    os.symlink("/dev/zero", raw / "zero.txt")
    os.mkfifo(raw / "pipe.txt")
    os.symlink("/etc", raw / "etc")
    os.symlink(raw / "missing.txt", raw / "dangling.txt")
    (raw / "_private").mkdir()
    (raw / "_private" / "secret.txt").write_text("不该读", encoding="utf-8")
    os.symlink(raw / "_private" / "secret.txt", raw / "peek.txt")
    os.symlink(SAMPLES[0].name, raw / "again.txt")  # inside, to a file read anyway: an alias

    env = {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_API_URL": PREFECT_API_URL.value()}
    try:
        proc = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(raw), "--curated-dir",
                               str(curated)], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=RUN_BOUND_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`econ-news run` still running after {RUN_BOUND_SECONDS} s: it hangs on a special file")
    assert proc.returncode == 0, proc.stderr[-3000:]

    articles, rejects = _rows(curated, "articles"), _rows(curated, "rejects")
    assert sorted(articles["source_uri"]) == sorted(str(raw / s.name) for s in SAMPLES)  # again.txt: no copy
    assert not articles["text"].str.contains("root:x:0:0").any()
    reasons = dict(zip(rejects["source_uri"], rejects["reason"]))
    assert reasons == {
        str(raw / "passwd.txt"): "link_outside_raw_dir",
        str(raw / "zero.txt"): "link_outside_raw_dir",
        str(raw / "etc"): "link_outside_raw_dir",
        str(raw / "pipe.txt"): "not_regular_file",
        str(raw / "dangling.txt"): "not_regular_file",
        str(raw / "peek.txt"): "not_regular_file",
    }
    assert read_table(curated / "_ledger").num_rows == len(SAMPLES)


def test_a_file_swapped_for_a_fifo_or_a_link_after_the_scan_is_not_read(tmp_path):
    from econ_news.fetch import read_raw_file, scan_raw_files
    from econ_news.records import Reject

    for sample in SAMPLES[:2]:
        shutil.copy(sample, tmp_path / sample.name)
    refs, rejects = scan_raw_files(tmp_path)
    assert len(refs) == 2 and rejects == []
    fifo, link = (Path(ref.path) for ref in refs)
    fifo.unlink()
    os.mkfifo(fifo)  # opened without O_NONBLOCK, this would wait for a writer forever
    link.unlink()
    os.symlink("/etc/passwd", link)
    got = []
    reader = threading.Thread(target=lambda: got.extend(read_raw_file(ref) for ref in refs), daemon=True)
    reader.start()
    reader.join(timeout=60)  # a hang detector: the reads take milliseconds
    assert not reader.is_alive(), "reading a file swapped for a FIFO hangs"
    assert all(isinstance(g, Reject) and g.reason == "not_regular_file" for g in got), got
    assert "FIFO" in got[0].detail and "link" in got[1].detail


# ---------------------------------------------------------------------------------------------------
# Item 7: a read that fails is read again by the next run

SOURCES_TOML = ('[store]\nraw_dir = "raw"\ncurated_dir = "curated"\n\n'
                '[[sources]]\nname = "samples"\nkind = "folder"\npath = "samples"\n')


@contextmanager
def _eio_while(path: Path):
    """Reads of path fail with a real EIO from the kernel while inside: /proc/<pid>/mem of a live process,
    bind-mounted over the file (reading its offset 0, an unmapped address, is an I/O error); stat still
    says a regular file. Needs the right to mount (root in this VM); skipped otherwise."""
    sleeper = subprocess.Popen(["sleep", "600"])
    try:
        mounted = subprocess.run(["mount", "--bind", f"/proc/{sleeper.pid}/mem", str(path)], capture_output=True)
        if mounted.returncode != 0:
            pytest.skip(f"cannot bind-mount here: {mounted.stderr.decode(errors='replace').strip()}")
        try:
            with pytest.raises(OSError) as failed:
                path.read_bytes()
            assert failed.value.errno == errno.EIO
            yield
        finally:
            subprocess.run(["umount", str(path)], check=True)
    finally:
        sleeper.kill()
        sleeper.wait()


@contextmanager
def _gone_while(path: Path):
    """The file is not there while inside (a share unmounted for a moment): moved to a name the scan skips."""
    hidden = path.with_name(f".{path.name}.away")
    path.rename(hidden)
    try:
        yield
    finally:
        hidden.rename(path)


def _night_whose_reads_fail_after_the_scan(config: Path, fault):
    """The nightly's own steps (plan_work, then _process) in a flow, with the fault made between the scan
    and the reads, where a transient failure hits a real night."""
    from prefect import flow

    from econ_news.sources.config import load_config
    from flows.pipeline import _folders, _new_summary, _process
    from tasks.stages import plan_work

    @flow(name="nightly-with-a-read-fault")
    def night():
        settings = load_config(config)
        summary = _new_summary("nightly", str(settings.raw_dir), str(settings.curated_dir))
        work = plan_work(_folders(settings), str(settings.raw_dir), str(settings.curated_dir),
                         settings.fetch.max_bytes, settings.timezone, reprocess=False, dates=None, sources=None)
        with fault():
            _process(work, summary, 500, settings.fetch.max_bytes, "merge")
        return summary

    return night()


@pytest.mark.parametrize("kind", ["eio", "gone"])
def test_a_file_whose_read_fails_is_read_again_by_the_next_nightly(prefect_server, tmp_path, kind):
    from flows.pipeline import nightly

    folder = tmp_path / "samples"
    folder.mkdir()
    for sample in SAMPLES[:3]:
        shutil.copy(sample, folder / sample.name)
    config = tmp_path / "sources.toml"
    config.write_text(SOURCES_TOML, encoding="utf-8")
    victim = folder / SAMPLES[2].name
    sha = hashlib.sha256(victim.read_bytes()).hexdigest()
    fault = (lambda: _eio_while(victim)) if kind == "eio" else (lambda: _gone_while(victim))

    faulted = _night_whose_reads_fail_after_the_scan(config, fault)

    curated = tmp_path / "curated"
    assert faulted.files == 3 and faulted.rejects == {"unreadable": 1} and faulted.written["articles"] == 2
    rejects = _rows(curated, "rejects")
    assert list(rejects["source_uri"]) == [str(victim)] and list(rejects["sha256"]) == [sha]
    assert ("Input/output error" if kind == "eio" else "FileNotFoundError") in rejects["detail"][0]
    assert sha not in set(_rows(curated, "_ledger")["sha256"])  # not counted as done

    retried = nightly(config_path=str(config))  # the file reads again
    assert retried.files == 1 and retried.written["articles"] == 1
    articles = _rows(curated, "articles")
    assert len(articles) == 3 and str(victim) in set(articles["source_uri"])
    assert sha in set(_rows(curated, "_ledger")["sha256"]) and len(_rows(curated, "_ledger")) == 3
    assert nightly(config_path=str(config)).files == 0


# ---------------------------------------------------------------------------------------------------
# Item 9: "today" is the schedule's date, not the host's

def test_today_is_the_date_in_the_given_time_zone():
    from econ_news.fetch import today_in

    two_am_in_shanghai = datetime(2025, 11, 1, 18, 0, tzinfo=timezone.utc)
    assert today_in("Asia/Shanghai", two_am_in_shanghai) == date(2025, 11, 2)
    assert today_in("UTC", two_am_in_shanghai) == date(2025, 11, 1)
    assert today_in("Etc/GMT-14", datetime(2025, 12, 31, 10, 0, tzinfo=timezone.utc)) == date(2026, 1, 1)


def _host_zone_on_another_date(shanghai_today: date) -> tuple[str, date]:
    """A fixed-offset zone whose date is not Shanghai's right now (one always exists: the zones span 26 h),
    preferring one behind it, as UTC is at the 02:00 Shanghai nightly."""
    now = datetime.now(timezone.utc)
    zones = [f"Etc/GMT{-hours:+d}" if hours else "Etc/UTC" for hours in range(-12, 15)]
    for zone in zones:  # west first: behind Shanghai
        day = now.astimezone(ZoneInfo(zone)).date()
        if day != shanghai_today:
            return zone, day
    raise AssertionError("every zone has Shanghai's date")


def test_an_article_dated_today_in_shanghai_is_not_from_the_future_on_a_host_behind(prefect_server, tmp_path):
    """A real `econ-news run` with the host's zone (TZ) on another date than Shanghai: an article dated
    Shanghai's today is published, one dated Shanghai's tomorrow is quarantined as from the future."""
    from prefect.settings import PREFECT_API_URL

    from tests.pages_server import sample_article

    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    if now.hour == 23 and now.minute >= 50:
        time.sleep((60 - now.minute) * 60 - now.second + 5)  # not across midnight while the run runs
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    host_zone, host_day = _host_zone_on_another_date(today)
    raw = tmp_path / "raw"
    raw.mkdir()
    title, paragraphs = sample_article(0)
    for day in (today, today + timedelta(days=1)):
        (raw / f"{day.isoformat()}.txt").write_text(f"# {title}\n\n{day.isoformat()}\n\n" + "\n\n".join(paragraphs),
                                                    encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_API_URL": PREFECT_API_URL.value(), "TZ": host_zone}
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(raw), "--curated-dir",
                           str(tmp_path / "curated")], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=RUN_BOUND_SECONDS)
    assert proc.returncode == 0, proc.stderr[-3000:]

    articles = _rows(tmp_path / "curated", "articles")
    quarantine = _rows(tmp_path / "curated", "quarantine")
    future = quarantine[(quarantine["table"] == "articles") & (quarantine["column"] == "published_date")]
    published = {str(d) for d in articles["published_date"]}
    context = f"host zone {host_zone} on {host_day}, Shanghai on {today}"
    assert published == {today.isoformat()}, context
    assert len(future) == 1 and (today + timedelta(days=1)).isoformat() in str(future["value"].iloc[0]), context
