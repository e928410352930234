"""Economic figures (the metrics table) read from an article's sentences.

Word lists live in econ_news/reference/indicators.json; this module builds a few structural
regexes from them, once. Amounts, growth rates, shares, periods and companies are found once
over the whole text (amounts.py, periods.py, entities.py); each sentence then reads its own.

How a figure becomes a row:

* Money: the indicator is the wording that ends right before the amount in its clause, up to a
  few linking words (总投资额为, 签约额达). An amount in parentheses with no wording inherits the
  indicator of the paragraph's previous money figure: a breakdown (新能源(1177.75亿元)、...).
  An amount followed by 的+noun or by a counted noun is a size bracket (10亿元以上项目) or an
  attribute of one named thing (总投资5亿元的X项目), never a metric, except when it qualifies a
  number of projects (总投资24亿元的12个项目).
* Investment of projects (planned_investment) is a metric only for a group: the amount qualifies
  a number of projects, or follows one in its sentence with only money figures between them
  (新引进项目35个,总投资184.8亿元,年度计划投资...), and its clause names no single project.
* 签约金额 (one_project_indicators) of one specific project (甲项目由乙公司投资建设,签约金额20亿元: a
  project named with its company, a capacity or quotes after the sentence's last count) is that
  project's investment, for the projects table; of a group, region or kind of project it is a metric.
* Counts: the counted noun follows the count (41个项目, 9家行业头部企业) or ends right before it
  (项目23个, 企业13户, 项目已开工96个). Counts inside quotation marks are names (“三个清单”); a count
  picked out by rank (最大的两个项目, 排名前五的5家企业) names items and is no figure.
* A growth rate belongs to the figure just before it when only punctuation, linking words and
  the figure's own wording separate them (67.5亿元、同比增长2%); otherwise it is a row of its
  own, with no value, when a wording right before it names an indicator (项目数量同比增长1.3倍).
* A share (占全市29%) fills share_pct of the figure just before it, a rank (排名131位) the rank
  of the sentence's last figure before it.
* Period: the latest period stated before the figure in its sentence, else the one carried from
  an earlier sentence of the paragraph that stated it at its start (first clause, a clause of
  its own, or anywhere before the sentence's first figure), else the topic period: the title's,
  or the last one a paragraph without figures stated (a heading, 截至3月底 on a line of its own).
  Event days end the carried period; attributive years (2021年签约的116个项目) are not periods of
  a figure, except the current year (今年确定的50个项目); 当年 keeps the period in context; figures
  after 此次/当天 (the event reported) take no carried period. A plan
  under a year-to-date period is the whole year's (periods.planned_over).
* Entity: the company for a company's own figures (产值, 利润, 就业 ...): named in the sentence,
  speaking right after the quotation that states the figure, or named in the paragraph when the
  sentence refers to it as 企业/公司/我们, unless a region word (全市 ...) stands between the
  company and the figure. Otherwise the place EntityContext.resolve finds for the figure's clause
  (a clause subject, 全省/全市/经开区, the paragraph's subject, a park closing a 的 phrase).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from econ_news.extract import budget
from econ_news.extract.amounts import Growth, Quantity
from econ_news.extract.doc import AnnotatedArticle
from econ_news.extract.entities import Place
from econ_news.extract.failures import apply_rule
from econ_news.extract.periods import PeriodMention, find_periods, planned_over
from econ_news.records import Article, Metric, Sentence, stable_id
from econ_news.reference import alternation, load_json

_BREAK_CHARS = "，,。；;：:！!？?\n、 \u3000"
_CLAUSE_BREAK = re.compile(f"[{_BREAK_CHARS}]")
_NOT_BREAK = f"[^{_BREAK_CHARS}]"
# A quoted name or title (“三个清单”, “五个一”, 《若干措施》): short and without clause punctuation,
# unlike quoted speech, whose figures are real.
_QUOTED = re.compile(r"“[^“”\n，,。；;：:！!？?]{1,16}”|《[^《》\n，,。；;！!？?]{1,30}》")
_PUNCTUATION = re.compile(f"[{_BREAK_CHARS}()（）“”]")
_ASIDE = r"(?:[(（][^()（）]{1,8}[)）])"  # 地区生产总值(GDP)365亿元
_WINDOW = 40  # how far back a wording is looked for: wordings sit right before their figure


@cache
def _reference() -> dict[str, Any]:
    return load_json("indicators.json")



@dataclass(frozen=True)
class _Lexicon:
    """Indexes and regexes built once from indicators.json."""

    money_code: dict[str, str]  # wording -> indicator
    money_indicators: frozenset[str]
    money_before: re.Pattern[str]  # wording + links at the end of the text before an amount
    growth_code: dict[str, str]  # wording -> indicator, for a growth rate with no level
    growth_before: re.Pattern[str]
    wordings_of: dict[str, tuple[str, ...]]  # indicator -> its wordings, longest first
    noun_code: dict[str, str]  # counted noun -> indicator
    noun_after: re.Pattern[str]  # matched at a count's end
    noun_before: re.Pattern[str]
    counters: dict[str, frozenset[str]]  # indicator -> measure words it may use
    count_stop_head: re.Pattern[str]  # matched at a count's end: 11个城市, 5个县
    rate_code: dict[str, str]
    rate_before: re.Pattern[str]
    growth_links: re.Pattern[str]
    bracket_after: re.Pattern[str]  # matched at an amount's end: 10亿元以上项目, 的X项目
    group_after: re.Pattern[str]  # the text between an amount and the count it qualifies
    named_project: re.Pattern[str]  # X项目 / X工程 in a clause
    attributive_after: re.Pattern[str]  # matched at a period's end: 2021年签约的
    event_anaphor: re.Pattern[str]  # 此次, 当天: the figures that follow are the event's
    clause_opener: re.Pattern[str]  # words a clause may start with before its period
    rank_before: re.Pattern[str]
    superlative_before: re.Pattern[str]  # at the end of the text before a count: 最大的, 投资最多的
    forecast: re.Pattern[str]
    region: re.Pattern[str]
    company_anaphor: re.Pattern[str]
    speech: re.Pattern[str]  # matched after a company name: 总经理张超说


@cache
def _lexicon() -> _Lexicon:
    ref = _reference()
    money_code = {w: code for code, words in ref["money_indicators"].items() for w in words}
    count_wordings = {w: code for code, words in ref["count_wordings"].items() for w in words}
    growth_code = money_code | count_wordings
    noun_code = {n: code for code, spec in ref["counted_nouns"].items() for n in spec["nouns"]}
    project_nouns = ref["counted_nouns"]["project_count"]["nouns"]
    bracket_heads = project_nouns + ref["counted_nouns"]["enterprise_count"]["nouns"]
    quoted_or_word = f"(?:“[^“”]{{0,20}}”|[^{_BREAK_CHARS}“”])"
    return _Lexicon(
        money_code=money_code,
        money_indicators=frozenset(money_code.values()),
        money_before=re.compile(
            rf"(?P<word>{alternation(money_code)}){_ASIDE}?(?:{alternation(ref['money_links'])})*[(（]?\Z",
            re.IGNORECASE,
        ),
        growth_code=growth_code,
        growth_before=re.compile(
            rf"(?P<word>{alternation(growth_code)}){_NOT_BREAK}{{0,{ref['growth_wording_gap']}}}\Z", re.IGNORECASE
        ),
        wordings_of={
            code: tuple(sorted((w for w, c in growth_code.items() if c == code), key=len, reverse=True))
            for code in set(growth_code.values())
        },
        noun_code=noun_code,
        noun_after=re.compile(rf"{quoted_or_word}{{0,{ref['count_window']}}}?(?P<noun>{alternation(noun_code)})"),
        noun_before=re.compile(rf"(?P<noun>{alternation(noun_code)})(?:{alternation(ref['count_links'])})*\Z"),
        counters={code: frozenset(spec["counters"]) for code, spec in ref["counted_nouns"].items()},
        count_stop_head=re.compile(alternation(ref["count_stop_heads"])),
        rate_code=dict(ref["rate_indicators"]),
        rate_before=re.compile(
            rf"(?P<word>{alternation(ref['rate_indicators'])})(?:{alternation(ref['rate_links'])})?\Z"
        ),
        growth_links=re.compile(alternation(ref["growth_links"])),
        bracket_after=re.compile(
            rf"(?:的[^{_BREAK_CHARS}0-9]{{0,16}}?|[^{_BREAK_CHARS}0-9的]{{0,6}}?)(?:{alternation(bracket_heads)})"
        ),
        group_after=re.compile(rf"[^，,。；;：:！!？?\n]{{0,16}}?的\Z"),
        named_project=re.compile(rf"[\u4e00-\u9fff]{{2}}(?:{alternation(project_nouns)}|工程)"),
        attributive_after=re.compile(rf"[\u4e00-\u9fff]{{1,{ref['attributive_verb_max']}}}的"),
        event_anaphor=re.compile(alternation(ref["event_anaphors"])),
        clause_opener=re.compile(rf"(?:{alternation(ref['period_clause_openers'])})*\Z"),
        rank_before=re.compile(rf"(?:{alternation(ref['rank_words'])})第?\Z"),
        superlative_before=re.compile(
            rf"(?:{alternation(ref['superlative_selectors'])})[\u4e00-\u9fff0-9]{{0,2}}的\Z"
        ),
        forecast=re.compile(alternation(ref["forecast_words"])),
        region=re.compile(alternation(ref["region_markers"])),
        company_anaphor=re.compile(alternation(ref["company_anaphors"])),
        speech=re.compile(rf"[^{_BREAK_CHARS}]{{0,12}}?(?:{alternation(ref['speech_verbs'])})"),
    )


def _in_parentheses(text: str, start: int, end: int) -> bool:
    return start > 0 and text[start - 1] in "(（" and text[end : end + 1] in (")", "）")


@dataclass
class _Row:
    """A figure being read, before it becomes a Metric."""

    indicator: str
    start: int  # the figure's own span in Article.text
    end: int
    value: float | None
    unit: str
    rule: str
    qualifier: str | None = None
    yoy_pct: float | None = None
    share_pct: float | None = None
    rank: int | None = None


class _Reader:
    """What is found once over one article's text, and the per-sentence reading of it."""

    def __init__(self, doc: AnnotatedArticle) -> None:
        text = doc.text
        self.text = text
        self.context = doc.entities
        self.lex = _lexicon()
        self.ref = _reference()
        self.quantities = list(doc.quantities)
        self.quantity_starts = [q.start for q in self.quantities]
        self.growths = list(doc.growths)
        self.growth_starts = [g.start for g in self.growths]
        self.shares = list(doc.shares)
        self.share_starts = [s.start for s in self.shares]
        self.periods = list(doc.periods)
        self.period_starts = [p.start for p in self.periods]
        self.companies = list(doc.companies)
        self.breaks = [m.start() for m in _CLAUSE_BREAK.finditer(text)]
        self.quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
        self.quoted_starts = [s for s, _ in self.quoted]
        self.failures = doc.failures

    def rule(self, name: str, sentence: Sentence, fallback, step):
        """step() of rule `name` on the sentence; a raise is recorded and yields fallback (extract/failures.py)."""
        return apply_rule(self.failures, name, (sentence.start, sentence.end), fallback, step)

    # ------------------------------------------------------------------ text geometry

    def clause_start(self, pos: int, floor: int) -> int:
        i = bisect.bisect_left(self.breaks, pos) - 1
        return max(floor, self.breaks[i] + 1) if i >= 0 else floor

    def clause_end(self, pos: int, ceiling: int) -> int:
        i = bisect.bisect_left(self.breaks, pos)
        return min(ceiling, self.breaks[i]) if i < len(self.breaks) else ceiling

    def in_quotes(self, pos: int) -> bool:
        i = bisect.bisect_right(self.quoted_starts, pos) - 1
        return i >= 0 and self.quoted[i][0] < pos < self.quoted[i][1]

    @staticmethod
    def between(items: list, starts: list[int], lo: int, hi: int) -> list:
        return items[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)]

    # ------------------------------------------------------------------ money

    def money_row(self, q: Quantity, sentence: Sentence, rows: list[_Row], paragraph_money: _Row | None
                  ) -> _Row | None:
        text, lex = self.text, self.lex
        group = self.group_count_after(q, sentence)
        if group is None and (text.startswith("的", q.end) or lex.bracket_after.match(text, q.end, sentence.end)):
            return None  # a size bracket, or an attribute of one named thing
        clause_start = self.clause_start(q.start, sentence.start)
        m = lex.money_before.search(text, max(clause_start, q.start - _WINDOW), q.start)
        if m:
            indicator, rule = lex.money_code[m.group("word")], "money_wording"
            wording_start = m.start()
        elif paragraph_money and _in_parentheses(text, q.start, q.end):
            # a breakdown has no wording of its own: what precedes it is read up to the amount
            indicator, rule = paragraph_money.indicator, "money_breakdown"
            wording_start = q.start - 1
        else:
            return None
        if indicator in self.ref["one_project_indicators"] and group is None and self.about_one_project(
                sentence, wording_start):
            return None  # 甲项目由乙公司投资建设,签约金额20亿元: the project's investment, not a metric
        if indicator in self.ref["group_indicators"]:
            if group is not None:
                rule = "group_investment_of"
            elif self.follows_group(rows) and not self.names_one_project(clause_start, wording_start):
                rule = "group_investment"
            else:
                return None  # one project's investment: the projects table's business
        return _Row(indicator, q.start, q.end, q.value, q.unit, rule, self.qualifier(q, sentence))

    def group_count_after(self, q: Quantity, sentence: Sentence) -> Quantity | None:
        """The number of projects an amount qualifies: 总投资24亿元的12个项目, 投资8.7亿元、总规模205兆瓦的5个项目."""
        i = bisect.bisect_right(self.quantity_starts, q.start)
        for nxt in self.quantities[i : i + 3]:
            if nxt.start >= sentence.end:
                break
            if nxt.kind != "count":
                continue
            if self.lex.group_after.fullmatch(self.text, q.end, nxt.start) and self.counted(nxt, sentence) == "project_count":
                return nxt
            break
        return None

    def follows_group(self, rows: list[_Row]) -> bool:
        """The sentence has stated a number of projects, with only money figures since."""
        for row in reversed(rows):
            if row.indicator == "project_count":
                return True
            if row.indicator not in self.lex.money_indicators:
                return False
        return False

    def names_one_project(self, clause_start: int, wording_start: int) -> bool:
        """XX项目总投资50亿元: the clause is about one named project (项目总投资 alone is the group)."""
        clause = self.text[clause_start:wording_start]
        return bool(self.lex.named_project.search(clause)) and not any(
            q.kind == "count" for q in self.between(self.quantities, self.quantity_starts, clause_start, wording_start)
        )

    def about_one_project(self, sentence: Sentence, wording_start: int) -> bool:
        """Between the sentence's last count before the wording (or its start) and the wording, a specific
        project is named: a project noun with its company, a capacity (年产10万吨...项目) or quotes around it.
        A project noun alone (招商引资项目签约金额) is a kind of project, not one."""
        lo = sentence.start
        for q in self.between(self.quantities, self.quantity_starts, sentence.start, wording_start):
            if q.kind == "count":
                lo = q.end
        if not self.lex.named_project.search(self.text, lo, wording_start):
            return False
        if any(lo <= c.start and c.end <= wording_start for c in self.companies):
            return True
        if any(q.kind == "quantity" for q in self.between(self.quantities, self.quantity_starts, lo, wording_start)):
            return True
        return any(lo <= s and e <= wording_start and self.lex.named_project.search(self.text, s, e)
                   for s, e in self.quoted)

    # ------------------------------------------------------------------ counts and rates

    def counted(self, q: Quantity, sentence: Sentence) -> str | None:
        """The indicator of what a count counts: the noun after it, or the noun right before it."""
        lex, text = self.lex, self.text
        if lex.count_stop_head.match(text, q.end):
            return None  # 11个城市, 5个县: places, not projects
        stop = sentence.end
        for i in range(bisect.bisect_right(self.quantity_starts, q.start), len(self.quantities)):
            nxt = self.quantities[i]
            if nxt.start >= stop:
                break
            if nxt.kind == "count":
                stop = nxt.start  # the noun of this count lies before the next count
                break
        m = lex.noun_after.match(text, q.end, stop)
        if m is None:
            clause_start = self.clause_start(q.start, sentence.start)
            m = lex.noun_before.search(text, max(clause_start, q.start - _WINDOW), q.start)
        if m is None:
            return None
        code = lex.noun_code[m.group("noun")]
        return code if q.counter in lex.counters[code] else None

    def count_row(self, q: Quantity, sentence: Sentence) -> _Row | None:
        if self.in_quotes(q.start):
            return None  # “三个清单”, “五个一”: names, not counts
        if self.lex.superlative_before.search(self.text, self.clause_start(q.start, sentence.start), q.start):
            return None  # 最大的两个项目: items picked out by rank, not a figure
        indicator = self.counted(q, sentence)
        if indicator is None:
            return None
        unit = self.ref["indicator_units"][indicator]
        return _Row(indicator, q.start, q.end, q.value, unit, f"count_{indicator}", self.qualifier(q, sentence))

    def rate_row(self, q: Quantity, sentence: Sentence) -> _Row | None:
        clause_start = self.clause_start(q.start, sentence.start)
        m = self.lex.rate_before.search(self.text, clause_start, q.start)
        if m is None:
            return None
        return _Row(self.lex.rate_code[m.group("word")], q.start, q.end, q.value, "percent", "rate",
                    self.qualifier(q, sentence))

    def qualifier(self, q: Quantity, sentence: Sentence) -> str | None:
        if q.qualifier and q.qualifier not in self.ref["exact_qualifiers"]:
            return q.qualifier
        forecast = self.lex.forecast.search(self.text, self.clause_start(q.start, sentence.start), q.start)
        return "预计" if forecast else None

    # ------------------------------------------------------------------ growth, shares, ranks

    def attach_growth(self, g: Growth, rows: list[_Row], sentence: Sentence, asides: list[tuple[int, int]]
                      ) -> _Row | None:
        """Put a growth rate on the figure it qualifies, or make it a value-less row of its own."""
        if g.basis == "mom":
            return None
        level = self.row_just_before(rows, g.start, asides)
        if level is not None and level.yoy_pct is None:
            level.yoy_pct = g.pct
            level.rule += "+growth"
            return None
        m = self.lex.growth_before.search(self.text, self.clause_start(g.start, sentence.start), g.start)
        if m is None:
            return None
        indicator = self.lex.growth_code[m.group("word")]
        if indicator in self.ref["group_indicators"]:
            return None
        unit = self.ref["indicator_units"].get(indicator, "CNY")
        return _Row(indicator, g.start, g.end, None, unit, "growth_only", g.qualifier, yoy_pct=g.pct)

    def row_just_before(self, rows: list[_Row], pos: int, asides: list[tuple[int, int]]) -> _Row | None:
        """The row a rate or share at pos qualifies: the last one before it, when only punctuation,
        linking words, the row's own wording and other rates or shares (asides) lie between them."""
        before = [r for r in rows if r.end <= pos]
        if not before:
            return None
        row = before[-1]
        pieces, cursor = [], row.end
        for start, end in asides:
            if cursor <= start < pos:
                pieces.append(self.text[cursor:start])
                cursor = max(cursor, end)
        pieces.append(self.text[cursor:pos])
        gap = self.lex.growth_links.sub("", _PUNCTUATION.sub("", "".join(pieces)))
        for word in self.lex.wordings_of.get(row.indicator, ()):
            gap = gap.replace(word, "")
        return row if not gap else None

    def is_rank(self, q: Quantity) -> bool:
        if q.value is None:
            return False
        if q.kind == "rank":
            return True
        return q.counter in ("位", "名") and bool(self.lex.rank_before.search(self.text, max(0, q.start - 4), q.start))

    # ------------------------------------------------------------------ sentences

    def sentence_rows(self, sentence: Sentence, paragraph_money: _Row | None) -> tuple[list[_Row], _Row | None]:
        """The sentence's rows, and the paragraph's last money row so far (for breakdowns)."""
        rows: list[_Row] = []
        growths = self.between(self.growths, self.growth_starts, sentence.start, sentence.end)
        quantities = self.between(self.quantities, self.quantity_starts, sentence.start, sentence.end)
        if not growths and not quantities:
            return rows, paragraph_money  # most sentences state no figure (shares only qualify one)
        shares = self.between(self.shares, self.share_starts, sentence.start, sentence.end)
        asides = sorted([(g.start, g.end) for g in growths] + [(s.start, s.end) for s in shares])
        for q in quantities:
            row = None
            if q.kind == "money" and q.value is not None:
                row = self.rule("money_row", sentence, None, lambda: self.money_row(q, sentence, rows, paragraph_money))
                if row and row.rule != "money_breakdown":
                    paragraph_money = row
            elif q.kind == "count" and q.value is not None:
                row = self.rule("count_row", sentence, None, lambda: self.count_row(q, sentence))
            elif q.kind == "percent" and not any(s <= q.start < e for s, e in asides):
                row = self.rule("rate_row", sentence, None, lambda: self.rate_row(q, sentence))
            if row:
                rows.append(row)
        for g in growths:
            own = self.rule("attach_growth", sentence, None, lambda: self.attach_growth(g, rows, sentence, asides))
            if own:
                rows.append(own)
                rows.sort(key=lambda r: r.start)
        for share in shares:
            row = self.row_just_before(rows, share.start, asides)
            if row and row.share_pct is None:
                row.share_pct = share.pct
        for q in quantities:
            if self.is_rank(q):
                before = [r for r in rows if r.end <= q.start]
                if before and before[-1].rank is None:
                    before[-1].rank = int(q.value)
        return rows, paragraph_money

    # ------------------------------------------------------------------ periods

    def period_of(self, pos: int, sentence: Sentence, carried: PeriodMention | None) -> PeriodMention | None:
        """The latest period of figures stated before pos in the sentence, else the carried one."""
        current, stated = carried, False
        for p in self.between(self.periods, self.period_starts, sentence.start, pos):
            if self.is_figure_period(p) and not (current and p.raw in self.ref["anaphoric_periods"]):
                current, stated = p, True
        if current is None or (not stated and self.lex.event_anaphor.search(self.text, sentence.start, pos)):
            return None
        return planned_over(current, self.text, max(sentence.start, current.end), pos)

    def carried_period(self, sentence: Sentence, rows: list[_Row], carried: PeriodMention | None
                       ) -> PeriodMention | None:
        """The period that governs this sentence and the paragraph's next ones: one stated at the
        sentence's start (its first clause, or a clause it opens before the first figure) replaces
        the carried one; an event day there ends it."""
        first_clause_end = self.clause_end(sentence.start, sentence.end)
        first_figure = rows[0].start if rows else sentence.end
        for p in self.between(self.periods, self.period_starts, sentence.start, max(first_clause_end, first_figure)):
            # 白银市今年计划实施项目422个。其中...: the period of the first figure heads the next sentences too
            before_first_figure = bool(rows) and p.end <= first_figure
            opens = p.start < first_clause_end or self.opens_clause(p, sentence) or before_first_figure
            if not opens:
                continue
            if p.granularity == "day":
                carried = None
            elif self.is_figure_period(p) and not (carried and p.raw in self.ref["anaphoric_periods"]):
                carried = p
        return carried

    def opens_clause(self, p: PeriodMention, sentence: Sentence) -> bool:
        """据统计,1-6月,...: the period starts its clause, after at most an opener word (其中, 今年)."""
        return bool(self.lex.clause_opener.fullmatch(self.text, self.clause_start(p.start, sentence.start), p.start))

    def is_figure_period(self, p: PeriodMention) -> bool:
        if p.granularity == "day" or self.in_quotes(p.start):
            return False
        return p.raw in self.ref["attributive_current_years"] or not self.lex.attributive_after.match(self.text, p.end)

    # ------------------------------------------------------------------ entities

    def entity(self, row: _Row, sentence: Sentence, paragraph: tuple[int, int]) -> tuple[str, str | None]:
        clause_start = self.clause_start(row.start, sentence.start)
        clause = self.text[clause_start : self.clause_end(row.end, sentence.end)]
        if row.indicator in self.ref["company_indicators"]:
            company = self.company_for(row, sentence, paragraph)
            # 公司负责人说,全市规上企业实现产值...: a region named after the company takes the figure over
            if company and not self.lex.region.search(self.text, max(sentence.start, company.end), row.end):
                return company.name, None
        return self.context.resolve(clause_start, clause)

    def company_for(self, row: _Row, sentence: Sentence, paragraph: tuple[int, int]) -> Place | None:
        """The company named in the sentence (the last one before the figure); else the company whose
        speaker the figure quotes (“...岗位120个。”X公司总经理Y说); else the paragraph's nearest one
        when the sentence refers to it as 企业/公司/我们."""
        in_sentence = [c for c in self.companies if sentence.start <= c.start < sentence.end]
        if in_sentence:
            before = [c for c in in_sentence if c.start < row.start]
            return before[-1] if before else in_sentence[0]
        speaker = self.quoted_speaker(row.start, paragraph)
        if speaker:
            return speaker
        if not self.lex.company_anaphor.search(self.text, sentence.start, sentence.end):
            return None
        in_paragraph = [c for c in self.companies if paragraph[0] <= c.start < paragraph[1]]
        if not in_paragraph:
            return None
        return min(in_paragraph, key=lambda c: abs(c.start - row.start))

    def quoted_speaker(self, pos: int, paragraph: tuple[int, int]) -> Place | None:
        """The company right after the closing quote of the speech pos lies in, when it speaks."""
        text = self.text
        if text.rfind("“", paragraph[0], pos) <= text.rfind("”", paragraph[0], pos):
            return None  # pos is not inside quoted speech
        close = text.find("”", pos, paragraph[1])
        if close == -1:
            return None
        for c in self.companies:
            if close < c.start <= close + 2:
                return c if self.lex.speech.match(text, c.end) else None
        return None

def extract_metrics(doc: AnnotatedArticle) -> list[Metric]:
    """Every figure the article's body states, one row each (reading rules: module docstring)."""
    article = doc.article
    if not article.sentences:
        return []
    reader = _Reader(doc)
    metrics: list[Metric] = []
    seen: set[str] = set()
    paragraphs: dict[int, list[Sentence]] = {}
    for s in article.sentences:
        paragraphs.setdefault(s.paragraph, []).append(s)
    topic = _title_period(article)
    for sentences in paragraphs.values():
        span = (sentences[0].start, sentences[-1].end)
        carried: PeriodMention | None = topic
        paragraph_money: _Row | None = None
        states_figures = False
        for sentence in sentences:
            budget.check("metrics: sentences")
            rows, paragraph_money = reader.sentence_rows(sentence, paragraph_money)
            carried = reader.rule("carried_period", sentence, carried,
                                  lambda: reader.carried_period(sentence, rows, carried))
            states_figures = states_figures or bool(rows)
            for row in rows:
                def finish(row=row):
                    period = reader.period_of(row.start, sentence, carried)
                    entity, code = reader.entity(row, sentence, span)
                    return _metric(article, row, sentence, entity, code, period)
                metric = reader.rule("metric_row", sentence, None, finish)
                if metric is not None and metric.metric_id not in seen:
                    seen.add(metric.metric_id)
                    metrics.append(metric)
        if not states_figures:
            topic = carried  # a heading or lead-in line (2023年,全市计划实施 / 截至3月底) heads what follows
    return metrics


def _title_period(article: Article) -> PeriodMention | None:
    """The period a title states for the article's topic (前六月金昌经开区实现...), carried to figures
    stated without one; an event day in a title (3月19日) is not a topic period."""
    if not article.title:
        return None
    found = [p for p in find_periods(article.title, article.published_date) if p.granularity != "day"]
    return found[0] if found and found[0].period_start else None


def _metric(article: Article, row: _Row, sentence: Sentence, entity: str, code: str | None,
            period: PeriodMention | None) -> Metric:
    period_start = period.period_start if period else None
    period_end = period.period_end if period else None
    return Metric(
        metric_id=stable_id(article.article_id, row.indicator, entity, row.value, row.yoy_pct, sentence.start, row.start),
        article_id=article.article_id,
        entity=entity,
        indicator=row.indicator,
        period_start=period_start,
        period_end=period_end,
        value=row.value,
        unit=row.unit,
        yoy_pct=row.yoy_pct,
        evidence=article.text[sentence.start : sentence.end],
        evidence_start=sentence.start,
        evidence_end=sentence.end,
        entity_code=code,
        value_qualifier=row.qualifier,
        share_pct=row.share_pct,
        rank=row.rank,
        period_basis=period.basis if period and period_start else None,
        rule=row.rule,
    )
