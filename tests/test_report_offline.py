"""The run's validation report opens offline: one self-contained page (no script, no stylesheet, font or image
from anywhere, no http(s) URL at all), whose verdicts match the run's quarantine, and which headless Chromium
renders with the verdicts visible and without a single network request.

It replaced GX Data Docs, which loaded bootstrap, jQuery, font-awesome and vega from six CDNs and a logo
from S3: offline, an unstyled page with no results.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import escape
from html.parser import HTMLParser
from collections import Counter
from pathlib import Path

import pyarrow.dataset as pads
import pytest

from econ_news.records import SCHEMAS
from econ_news.report import QuarantinedRow, RunReport, Verdict, render, row_summary
from tests.conftest import REPO, SAMPLE_RAW

CHROMIUM = Path("/usr/bin/chromium")
URL = re.compile(r"https?://", re.I)
# Elements a browser loads something for, and attributes that point somewhere.
LOADING_TAGS = {"script", "link", "img", "iframe", "frame", "object", "embed", "video", "audio", "source", "track",
                "image", "svg", "use", "base", "form", "input", "meta"}
POINTING_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background", "manifest",
                       "xlink:href", "ping", "style"}


class _References(HTMLParser):
    """Everything in a page that could make a browser fetch: loading elements (other than the charset and
    viewport meta tags), attributes pointing anywhere but a fragment of the page, CSS url() and @import."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in LOADING_TAGS and not (tag == "meta" and set(attributes) <= {"charset", "name", "content"}
                                         and "http-equiv" not in attributes):
            self.found.append(f"<{tag} {attributes}>")
        for name, value in attrs:
            if name in POINTING_ATTRIBUTES and not (name == "href" and (value or "").startswith("#")):
                self.found.append(f"{tag} {name}={value!r}")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style and re.search(r"url\s*\(|@import", data, re.I):
            self.found.append(f"CSS: {data[:200]}")


def references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    parser.close()
    return parser.found


VERDICT_ROW = re.compile(r'<tr class="(pass|fail)"><td class="verdict">(PASS|FAIL)</td><td>(row|table)</td>'
                         r"<td><code>([a-z_]+)</code></td><td>([^<]*)</td>.*?<td class=\"num\">(\d+)</td>", re.S)


@pytest.fixture(scope="module")
def run(prefect_server, tmp_path_factory):
    """The real run flow on the sample pages (one row is quarantined: a GDP misprint) plus inputs that are
    rejected, so every part of the report has something to show."""
    from flows.pipeline import run_pipeline

    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(SAMPLE_RAW, raw, dirs_exist_ok=True)
    (raw / "copy.txt").write_bytes((SAMPLE_RAW / "000_ff023e30cb72fc27.txt").read_bytes())  # duplicate_content
    (raw / "blank.txt").write_bytes(b"")  # nothing in it
    out = tmp_path_factory.mktemp("curated")
    summary = run_pipeline(raw_dir=str(raw), curated_dir=str(out), batch_size=3)
    return out, summary


def page_requests(netlog: Path) -> list[str]:
    """URLs requested by a document (not by the browser itself) in a Chromium --log-net-log file, other than
    the file:// page itself."""
    text = netlog.read_text(encoding="utf-8", errors="replace").rstrip()
    log = json.loads(text if text.endswith("}") else text.rstrip(",") + "]}")  # closed on exit, or not yet
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [e["params"]["url"] for e in log["events"] if e["type"] == start_job
            and e.get("params", {}).get("initiator") not in (None, "not an origin")
            and not e["params"]["url"].startswith("file:")]


def _verdict_rows(html: str) -> list[tuple[str, str, str, str, int]]:
    """(verdict, level, expectation, column, failing rows) of every expectation in the page, per table."""
    rows = []
    for table, section in re.findall(r'<section id="(\w+)">(.*?)</section>', html, re.S):
        rows += [(table, verdict, level, expectation, column, int(n))
                 for _cls, verdict, level, expectation, column, n in VERDICT_ROW.findall(section)]
    return rows


def test_the_report_is_one_page_that_references_nothing(run):
    root, summary = run
    folder = root / "_reports" / summary.run_id
    assert Path(summary.report) == (folder / "index.html").resolve()
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert [p.name for p in files] == ["index.html"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not URL.search(text), f"{path} names an http(s) URL: {URL.search(text)}"
        assert references(text) == [], f"{path} loads something"


def test_the_verdicts_are_the_runs_quarantine(run):
    root, summary = run
    html = Path(summary.report).read_text(encoding="utf-8")
    quarantine = pads.dataset(str(root / "quarantine"), format="parquet", partitioning="hive").to_table().to_pylist()
    assert quarantine, "the sample pages quarantine one row (a GDP of 157.67万元)"
    failing = Counter(key[:3] for key in {(q["table"], q["expectation"], q["column"], q["row_key"])
                                          for q in quarantine})
    rows = _verdict_rows(html)
    suites = [json.loads(p.read_text(encoding="utf-8")) for p in (REPO / "expectations").glob("*.json")]
    assert len(rows) == sum(len(suite["expectations"]) for suite in suites)  # every expectation, once
    shown_failing = {(t, e, c): n for t, verdict, level, e, c, n in rows if verdict == "FAIL"}
    assert shown_failing == dict(failing)
    assert all(n == 0 for t, verdict, level, e, c, n in rows if verdict == "PASS")
    assert 'id="overall" class="overall pass"' in html and "PASS: every table-level expectation passed" in html
    # Each quarantined row is listed with its reason, and the rejects by reason.
    for q in quarantine:
        assert f"<code>{q['row_key']}</code>" in html and (q["why"] or "") in html
        assert escape(row_summary(json.loads(q["row_json"]))) in html  # the row, recognisable
    assert any(json.loads(q["row_json"])["indicator"] == "gdp" for q in quarantine)
    assert summary.rejects.get("duplicate_content") == 1
    for reason, count in summary.rejects.items():
        assert f'<td>{reason}</td><td class="num">{count}</td>' in html
    assert f"Raw inputs seen: <b>{summary.files}</b>" in html
    for table in ("articles", "projects", "metrics"):
        assert re.search(rf"<tr><th>{table}</th><td>{summary.written[table]}</td><td>{summary.quarantined.get(table, 0)}</td>",
                         html)


def test_values_from_the_pages_are_text_never_markup():
    hostile = '<img src="https://evil.example/x.png"><script>fetch("http://evil.example")</script>'
    report = RunReport(run_id="r1", raw_files_seen=1, rows_written={"articles": 1}, rows_quarantined={"articles": 1},
                       rejects={hostile: 1},
                       verdicts=[Verdict("articles", "row", "expect_column_values_to_match_regex", "title",
                                         "regex='^x'", hostile, False, 1, [hostile])],
                       quarantined=[QuarantinedRow("articles", hostile, "expect_column_values_to_match_regex",
                                                   "title", hostile, hostile)])
    html = render(report)
    assert "<img" not in html and "<script" not in html
    assert references(html) == []
    assert html.count("&lt;img src=&quot;https://evil.example/x.png&quot;&gt;") == 6  # why, value, row key, value, why, reject
    assert 'class="overall pass"' in html  # a failing row-level expectation quarantines; the gate passes
    failed_gate = RunReport("r2", 1, {}, {}, {}, [Verdict("articles", "table", "expect_column_values_to_be_unique",
                                                          "article_id", "", "", False, 2, ["observed 2"])], [])
    assert 'class="overall fail"' in render(failed_gate) and "nothing of this run is published" in render(failed_gate)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (Debian: apt-get install -y chromium); "
                                                  "the file scan above still checks the report offline")
def test_headless_chromium_renders_the_verdicts_with_no_network(run, tmp_path):
    _root, summary = run
    page = Path(summary.report).as_uri()
    netlog = tmp_path / "netlog.json"
    common = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-extensions",
              "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*common, f"--log-net-log={netlog}", "--dump-dom", page], capture_output=True,
                         timeout=180, text=True)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    rows = _verdict_rows(rendered)
    assert rows and {v for _t, v, *_ in rows} == {"PASS", "FAIL"}
    assert any(v == "FAIL" and n >= 1 for _t, v, _l, _e, _c, n in rows)
    assert "PASS: every table-level expectation passed" in rendered
    assert "display:none" not in rendered.replace(" ", "") and "visibility:hidden" not in rendered.replace(" ", "")
    # Chromium's own log of every request: none made by the page (the browser's own background requests,
    # which have no initiating document, are not the page's).
    assert page_requests(netlog) == []
    shot = tmp_path / "report.png"
    subprocess.run([*common, "--hide-scrollbars", "--window-size=1280,1600", f"--screenshot={shot}", page],
                   capture_output=True, timeout=180, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_a_run_stopped_by_the_gate_has_a_report_that_says_why(tmp_path):
    """Duplicate article keys fail a table-level expectation: the page's verdict is FAIL, with that
    expectation, its count and the duplicated key."""
    import pyarrow as pa

    from econ_news.curate import write_report
    from econ_news.quality import Validator
    from econ_news.store import StagedRun
    from tests.conftest import REPO
    from tests.test_quality import GOOD

    staged = StagedRun(tmp_path / "curated", "gate-run")
    rows = [dict(GOOD["articles"], article_id=i) for i in ("a1", "a2", "a1")]
    staged.write_part("articles", "00000", pa.Table.from_pylist(rows, schema=SCHEMAS["articles"]))
    index = write_report(staged, Validator(REPO / "expectations"), tmp_path / "report", raw_files_seen=3)
    html = index.read_text(encoding="utf-8")
    assert 'id="overall" class="overall fail"' in html and "nothing of this run is published" in html
    failed = [(t, level, e, c, n) for t, verdict, level, e, c, n in _verdict_rows(html) if verdict == "FAIL"]
    assert failed == [("articles", "table", "expect_column_values_to_be_unique", "article_id", 2)]
    assert "a1" in html.split('<section id="articles">')[1].split("</section>")[0]
    assert references(html) == [] and not URL.search(html)
    assert [p.name for p in (tmp_path / "report").iterdir()] == ["index.html"]
