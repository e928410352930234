#!/usr/bin/env python3
"""Check that the fast paths of the text stages answer exactly as the slow forms they replace.

    python benchmarks/check_fast_paths.py [--random 20000]

Run it after changing OpenCC, furniture.json or the period pattern. Each fast path is compared with
its plain form on the bundled and shared pages (and their traditional-script versions) and on random
strings built from the words that matter:
  t2s          normalize.script's converter against opencc-python-reimplemented's OpenCC("t2s");
  unify        unify_punctuation against str.translate with the same table;
  drop_line    Furniture.drop_line (PatternSet) against one alternation of all drop_line patterns;
  strip        strip_inline applied only where Furniture.strip_inline_any finds something, against always;
  periods      the period pattern against the same pattern without its "some group matched" ending,
               empty matches skipped;
  defined      projects.candidates.defined_subjects (the 是...重点项目 tail read once per 是) against the whole
               subject + tail pattern tried at every position;
  company      entities._name_start (one scan for all stop words) against one str.find loop per word;
  product      amounts._product with factors of 1 (skipped) against the exact decimal product of all.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import opencc  # noqa: E402

from decimal import Decimal  # noqa: E402

from econ_news.extract import amounts, entities, periods  # noqa: E402
from econ_news.extract.projects import candidates, lexicon  # noqa: E402
from econ_news.normalize import patterns, script  # noqa: E402


def page_texts() -> list[str]:
    folders = [REPO / "data" / "raw", REPO / "tests", REPO.parent / "shared" / "corpus"]
    texts = []
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, IsADirectoryError, PermissionError):
                continue
    to_traditional = [opencc.OpenCC(c) for c in ("s2t", "s2tw", "s2hk")]
    return texts + [c.convert(t) for c in to_traditional for t in texts]


def random_texts(words: list[str], n: int, rng: random.Random) -> list[str]:
    return ["".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(n)]


def check(name: str, texts: list[str], fast, slow) -> bool:
    wrong = [t for t in texts if fast(t) != slow(t)]
    print(f"{name:10s} {len(texts):7d} texts  {'ok' if not wrong else f'{len(wrong)} DIFFER, e.g. {wrong[0][:60]!r}'}")
    return not wrong


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--random", type=int, default=20000, help="random strings per check")
    args = ap.parse_args()
    rng = random.Random(1)
    pages = page_texts()
    lines = [line for t in pages for line in t.split("\n")]
    ok = True

    dictionaries = Path(opencc.__file__).parent / "dictionary"
    phrases = list(script._library_dictionary(dictionaries / "TSPhrases.txt"))
    characters = list(script._library_dictionary(dictionaries / "TSCharacters.txt"))
    pieces = phrases + [p[i:] for p in phrases for i in range(1, len(p))] + characters + list("的经济，。 \n、“”-")
    library = opencc.OpenCC("t2s")
    ok &= check("t2s", pages + random_texts(pieces, args.random, rng), script._converter().convert, library.convert)

    table_chars = [chr(c) for c in script._HALF_WIDTH] + list("中文abc，。\n")
    ok &= check("unify", random_texts(table_chars, args.random, rng) + pages, script.unify_punctuation,
                lambda t: t.translate(script._HALF_WIDTH))

    ref = patterns.load_reference("furniture.json")
    drop = [p for key, group in ref["drop_line"].items() if not key.startswith("_") for p in group]
    one_alternation = re.compile(patterns._any_of(drop))
    drop_words = [w for p in drop for w in re.findall(r"[\u4e00-\u9fffA-Za-z©>»|:]+", p)] + [" ", "甘肃", "项目"]
    ok &= check("drop_line", lines + random_texts(drop_words, args.random, rng),
                patterns.furniture().drop_line.found_in, lambda line: bool(one_alternation.search(line)))

    strip = patterns.furniture().strip_inline
    strip_words = ["打印本页", "【打印】", "[关闭]", "字号:大中小", "分享到:微信", "分享到微博", "[ 大 中 小 ]", "阅读次数:12",
                   "浏览", "甘肃", " ", "项目"]
    ok &= check("strip", lines + random_texts(strip_words, args.random, rng),
                lambda line: strip.sub("", line) if patterns.furniture().strip_inline_any.found_in(line) else line,
                lambda line: strip.sub("", line))

    fast_periods, plain_periods = periods._period_pattern(), re.compile(periods._mention_pattern())
    period_words = ["2023年", "1-6月", "上半年", "今年以来", "截至", "10月底", "项目", "发展", "一", "3", "日", "，"]
    ok &= check("periods", pages + random_texts(period_words, args.random, rng),
                lambda t: [m.groupdict() | {"span": m.span()} for m in fast_periods.finditer(t)],
                lambda t: [m.groupdict() | {"span": m.span()} for m in plain_periods.finditer(t) if m.end() > m.start()])

    subject = f"(?P<x>[^{re.escape(candidates.DEFINED_SUBJECT_STOPS)}]{{2,30}}?)"
    plain_defined = re.compile(subject + lexicon.lexicon().defined_tail.pattern)
    defined_words = ["甲", "乙丙", "丁戊己庚", "是", "重点", "重大", "示范", "项目", "工程", ",", "。", "“", "、", "的",
                     "\n", "省市县区域" * 2]
    ok &= check("defined", pages + random_texts(defined_words, args.random, rng) + random_long_texts(defined_words, rng),
                candidates.defined_subjects, lambda t: [m.span("x") for m in plain_defined.finditer(t)])

    stops = entities._words()["company_left_stops"] + entities._words()["location_prepositions"]

    def name_start_by_find(text: str, span_start: int, suffix_start: int) -> int:
        best = span_start
        for word in stops:
            pos = text.find(word, span_start, suffix_start)
            while pos != -1:
                inside_name = pos - span_start == 1 and word != "的"
                if not inside_name and pos + len(word) > best:
                    best = pos + len(word)
                pos = text.find(word, pos + 1, suffix_start)
        return best

    spans = [(t, a, b) for t in random_texts(stops + list("甲乙丙丁公司"), args.random, rng)
             for a in [rng.randint(0, len(t))] for b in [rng.randint(a, len(t))]]
    ok &= check("company", spans, lambda s: entities._name_start(*s), lambda s: name_start_by_find(*s))

    def exact_product(*factors: float) -> float:
        result = Decimal(1)
        for f in factors:
            result *= Decimal(repr(float(f)))
        return float(result)

    numbers = [0.0, 1, 1.0, 0.07, 1.2, 156.3, 1e4, 1e8, 100.0, 0.1 + 0.2, 2.5e-7, 123456789.123]
    factor_lists = [tuple(rng.choice(numbers + [rng.uniform(0, 1e9)]) for _ in range(rng.randint(0, 3)))
                    for _ in range(args.random)]
    ok &= check("product", factor_lists, lambda f: amounts._product(*f), lambda f: exact_product(*f))
    return 0 if ok else 1


def random_long_texts(words: list[str], rng: random.Random, n: int = 2000) -> list[str]:
    """Longer random strings than random_texts makes: spans up to the 30-character limit and beyond."""
    return ["".join(rng.choice(words) for _ in range(rng.randint(10, 60))) for _ in range(n)]


if __name__ == "__main__":
    sys.exit(main())
