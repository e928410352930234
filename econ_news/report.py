"""A run's validation report as one self-contained HTML page: validation results in, HTML out.

The page must open on a machine without internet (and says nothing to one): its CSS is inline, it has no
script, no font, no image and no link to anything outside itself. Verdicts are words (PASS, FAIL), so
they read the same in any browser, in a text dump and to a screen reader.

Pure: no I/O, no GX, no Prefect. econ_news.curate gathers the results from a staged run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

TABLES = ("articles", "projects", "metrics")
# Unexpected values shown per expectation, and quarantined rows listed per table: the quarantine table has
# all of them; the page stays small whatever the run's size.
SAMPLE_VALUES = 8


@dataclass
class Verdict:
    """One expectation of a suite, judged on this run."""
    table: str
    level: str  # row | table
    expectation: str
    column: str | None
    arguments: str  # the expectation's other arguments, as text (bounds, sets, row conditions)
    why: str
    success: bool
    failing_rows: int = 0  # rows quarantined by it (row level) or unexpected values (table level)
    sample_values: list[str] = field(default_factory=list)  # offending values (row) or the observation (table)


@dataclass
class QuarantinedRow:
    table: str
    row_key: str
    expectation: str
    column: str | None
    value: str | None
    why: str
    row: str = ""  # the row's telling fields (name, entity, indicator, value, evidence, …) as one line


@dataclass
class RunReport:
    run_id: str
    raw_files_seen: int
    rows_written: dict[str, int]  # clean rows staged per table
    rows_quarantined: dict[str, int]  # distinct rows moved to quarantine per table
    rejects: dict[str, int]  # rejected raw inputs per reason
    verdicts: list[Verdict]
    quarantined: list[QuarantinedRow]  # a sample, per table
    generated_at: str = ""


def overall(report: RunReport) -> tuple[bool, str]:
    """(passed, one line): passed when no table-level expectation failed (the run may publish)."""
    gate = [v for v in report.verdicts if v.level == "table" and not v.success]
    quarantined = sum(report.rows_quarantined.values())
    if gate:
        return False, (f"FAIL: {len(gate)} table-level expectation(s) failed; nothing of this run is published. "
                       f"{quarantined} row(s) quarantined.")
    return True, f"PASS: every table-level expectation passed. {quarantined} row(s) quarantined, " \
                 f"{sum(report.rejects.values())} input(s) rejected."


def render(report: RunReport) -> str:
    passed, headline = overall(report)
    sections = [
        f"<h1>Validation report <code>{_e(report.run_id)}</code></h1>",
        f'<p id="overall" class="overall {_cls(passed)}">{_e(headline)}</p>',
        _counts(report),
        _contents(report),
    ]
    for table in TABLES:
        sections.append(_table_section(report, table))
    sections.append(_rejects(report))
    if report.generated_at:
        sections.append(f'<p class="meta">Written {_e(report.generated_at)}. The quarantine table has every '
                        f"quarantined row with the whole row as JSON; this page shows a sample.</p>")
    body = "\n".join(s for s in sections if s)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>econ-news validation {_e(report.run_id)}</title>\n<style>{CSS}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")


def _counts(report: RunReport) -> str:
    rows = "".join(f"<tr><th>{t}</th><td>{report.rows_written.get(t, 0)}</td>"
                   f"<td>{report.rows_quarantined.get(t, 0)}</td>"
                   f"<td>{_verdict_counts(report, t)}</td></tr>" for t in TABLES)
    return (f'<h2 id="counts">Run</h2>\n<p>Raw inputs seen: <b>{report.raw_files_seen}</b>; rejected: '
            f"<b>{sum(report.rejects.values())}</b>.</p>\n"
            f'<table class="counts"><thead><tr><th>table</th><th>rows written</th><th>rows quarantined</th>'
            f"<th>expectations</th></tr></thead><tbody>{rows}</tbody></table>")


def _contents(report: RunReport) -> str:
    links = "".join(f'<li><a href="#{t}">{t}</a></li>' for t in TABLES)
    return f'<nav><ul>{links}<li><a href="#rejects">rejects</a></li></ul></nav>'


def _verdict_counts(report: RunReport, table: str) -> str:
    mine = [v for v in report.verdicts if v.table == table]
    failed = sum(not v.success for v in mine)
    return f'<span class="{_cls(not failed)}">{len(mine) - failed} passed, {failed} failed</span>'


def _table_section(report: RunReport, table: str) -> str:
    verdicts = sorted((v for v in report.verdicts if v.table == table),
                      key=lambda v: (v.success, v.level != "table"))  # failures first, the gate's first
    rows = "".join(
        f'<tr class="{_cls(v.success)}"><td class="verdict">{"PASS" if v.success else "FAIL"}</td>'
        f"<td>{v.level}</td><td><code>{_e(v.expectation)}</code></td><td>{_e(v.column or '')}</td>"
        f"<td>{_e(v.arguments)}</td><td>{_e(v.why)}</td><td class=\"num\">{v.failing_rows}</td>"
        f"<td>{_values(v.sample_values)}</td></tr>" for v in verdicts)
    expectations = (f'<table class="verdicts"><thead><tr><th>verdict</th><th>level</th><th>expectation</th>'
                    f"<th>column</th><th>arguments</th><th>why</th><th>failing rows</th>"
                    f"<th>unexpected values (sample)</th></tr></thead><tbody>{rows}</tbody></table>"
                    if rows else "<p>No expectations.</p>")
    sample = [q for q in report.quarantined if q.table == table]
    if sample:
        quarantined = "".join(f"<tr><td><code>{_e(q.row_key)}</code></td><td><code>{_e(q.expectation)}</code></td>"
                              f"<td>{_e(q.column or '')}</td><td>{_e(q.value if q.value is not None else '')}</td>"
                              f"<td>{_e(q.why)}</td><td>{_e(q.row)}</td></tr>" for q in sample)
        total = report.rows_quarantined.get(table, 0)
        quarantine = (f"<h3>Quarantined rows ({len(sample)} shown of {total} rows)</h3>"
                      f'<table class="quarantine"><thead><tr><th>row key</th><th>expectation</th><th>column</th>'
                      f"<th>value</th><th>why</th><th>row</th></tr></thead><tbody>{quarantined}</tbody></table>")
    else:
        quarantine = "<p>No row quarantined.</p>"
    return f'<section id="{table}"><h2>{table}</h2>\n{expectations}\n{quarantine}</section>'


def _rejects(report: RunReport) -> str:
    if not report.rejects:
        return '<section id="rejects"><h2>Rejected inputs</h2><p>None.</p></section>'
    rows = "".join(f"<tr><td>{_e(reason)}</td><td class=\"num\">{n}</td></tr>"
                   for reason, n in sorted(report.rejects.items(), key=lambda kv: (-kv[1], kv[0])))
    return (f'<section id="rejects"><h2>Rejected inputs by reason</h2><table class="rejects"><thead><tr>'
            f"<th>reason</th><th>inputs</th></tr></thead><tbody>{rows}</tbody></table></section>")


# The fields of a quarantined row that let a reader recognise it, in this order.
ROW_FIELDS = ("title", "name", "company", "entity", "indicator", "value", "unit", "investment_cny", "yoy_pct",
              "period_start", "period_end", "evidence")
ROW_TEXT_MAX = 300


def row_summary(row: dict) -> str:
    """'entity=兰州新区; indicator=gdp; value=1576700.0; …' from a quarantined row's fields, at most ROW_TEXT_MAX
    characters."""
    text = "; ".join(f"{k}={row[k]}" for k in ROW_FIELDS if row.get(k) not in (None, ""))
    return text if len(text) <= ROW_TEXT_MAX else text[: ROW_TEXT_MAX - 1] + "…"


def _values(values: list[str]) -> str:
    return " ".join(f"<code>{_e(v)}</code>" for v in values[:SAMPLE_VALUES])


def _cls(success: bool) -> str:
    return "pass" if success else "fail"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;
margin:1.5em auto;max-width:1200px;padding:0 1em;color:#1d232a;background:#fff}
h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #d0d7de;padding:.3em .5em;
text-align:left;vertical-align:top}thead th{background:#f3f5f7}td.num{text-align:right}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;overflow-wrap:anywhere}
.overall{font-size:1.15em;font-weight:600;padding:.6em .8em;border-radius:4px}
.overall.pass{background:#dafbe1;color:#116329;border:1px solid #4ac26b}
.overall.fail{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}
tr.fail td{background:#fff5f5}td.verdict{font-weight:700;white-space:nowrap}
tr.pass td.verdict,span.pass{color:#116329}tr.fail td.verdict,span.fail{color:#a40e26}
tr.fail td.verdict::before{content:"\\2716  "}tr.pass td.verdict::before{content:"\\2714  "}
nav ul{list-style:none;padding:0;display:flex;gap:1em}.meta{color:#57606a;font-size:.9em}
"""
