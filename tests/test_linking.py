"""Projects across articles (econ_news/linking.py): hand-labelled corpus rows and written series.

The labels are tests/fixtures/linking/*.json; scripts/linking_figures.py prints the same figures.
"""
from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from econ_news.linking import ProjectMention, assign, link

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "linking"


def _figures():
    spec = importlib.util.spec_from_file_location("linking_figures", REPO / "scripts" / "linking_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIGURES = _figures()


def _labels(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_pairwise_precision_and_recall_meet_the_targets_on_everything_labelled():
    results = [FIGURES.score(_labels(name)) for name in FIGURES.LABEL_FILES]
    tp = sum(r["true_positives"] for r in results)
    predicted = sum(r["predicted_pairs"] for r in results)
    labelled = sum(r["labelled_pairs"] for r in results)
    assert tp / predicted >= 0.98, [r["false_merges"] for r in results]
    assert tp / labelled >= 0.85, [r["missed"] for r in results]


def test_corpus_repeats_are_linked_and_nothing_else_is():
    result = FIGURES.score(_labels("corpus_links.json"))
    assert result["false_merges"] == []
    missed = {frozenset(p) for p in result["missed"]}
    assert frozenset({"seeds/000_ff023e30cb72fc27.txt/甘肃纳塔新材料", "seeds/001_d6a5ce08102744b4.txt/纳塔新材料"}) not in missed
    assert frozenset({"seeds/000_ff023e30cb72fc27.txt/智鑫玄武岩",
                      "seeds/001_d6a5ce08102744b4.txt/智鑫玄武岩纤维"}) not in missed


def test_no_master_holds_two_rows_of_one_article():
    mentions = FIGURES.mentions_of(_labels("corpus_links.json")) + FIGURES.mentions_of(_labels("series.json"))
    assignment = assign(mentions)
    seen = set()
    for m in mentions:
        assert (assignment[m.project_id], m.article_id) not in seen, m
        seen.add((assignment[m.project_id], m.article_id))


def _series() -> list[ProjectMention]:
    return FIGURES.mentions_of(_labels("series.json"))


def test_signing_start_and_opening_make_one_project_with_its_history():
    masters, events = link(_series())
    silicon = [m for m in masters if "高纯硅" in m["canonical_name"]]
    assert len(silicon) == 1
    master = silicon[0]
    assert master["n_articles"] == 3
    assert master["status"] == "in_operation" and master["status_date"] == date(2025, 9, 30)
    assert (master["first_seen"], master["last_seen"]) == (date(2024, 3, 2), date(2025, 9, 30))
    assert master["investment_cny"] == 3.0e9  # the latest report's figure
    assert master["company"] == "甘肃恒晟硅业有限公司"
    assert set(master["aliases"]) | {master["canonical_name"]} == {
        "年产5万吨高纯硅材料项目", "甘肃恒晟硅业年产5万吨高纯硅材料项目", "恒晟硅业5万吨高纯硅项目"}
    history = [(e["published_date"], e["status"]) for e in events if e["master_id"] == master["master_id"]]
    assert history == [(date(2024, 3, 2), "signed"), (date(2024, 6, 18), "started"),
                       (date(2025, 9, 30), "in_operation")]


@pytest.mark.parametrize("word", ["日用玻璃低碳产业园", "兆瓦", "100兆瓦光伏", "新材料产业园", "高端装备制造",
                                  "吉瓦时", "玉米种子", "供热管网"])
def test_near_identical_names_of_different_projects_stay_apart(word):
    rows = [m for m in _series() if word in m.name]
    assert len(rows) >= 2
    assignment = assign(_series())
    assert len({assignment[m.project_id] for m in rows}) == len(rows), [m.name for m in rows]


def test_same_articles_give_the_same_ids_in_any_input_order():
    mentions = FIGURES.mentions_of(_labels("corpus_links.json")) + _series()
    assert assign(mentions) == assign(list(reversed(mentions)))
    assert link(mentions) == link(list(reversed(mentions)))


def test_a_later_article_extends_a_history_without_renumbering():
    mentions = _series()
    dated = sorted((m for m in mentions if m.published_date), key=lambda m: m.published_date)
    last_day = dated[-1].published_date
    before = [m for m in mentions if m.published_date and m.published_date < last_day]
    first = assign(before)
    later = assign(mentions, previous=first)
    assert all(later[k] == v for k, v in first.items())
    assert later == assign(mentions)  # the nightly's answer is the from-scratch answer
    masters = {m["master_id"]: m for m in link(mentions, previous=first)[0]}
    silicon = [m for m in masters.values() if "高纯硅" in m["canonical_name"]][0]
    assert silicon["n_articles"] == 3 and silicon["master_id"] in first.values()


def test_a_backfilled_older_article_keeps_the_published_ids():
    mentions = _series()
    silicon = [m for m in mentions if "高纯硅" in m.name]
    signing = min(silicon, key=lambda m: m.published_date)
    published = assign([m for m in mentions if m is not signing])
    # The signing article arrives later (a backfill) though it is the oldest report.
    after = assign(mentions, previous=published)
    assert all(after[k] == v for k, v in published.items())
    assert after[signing.project_id] == published[silicon[-1].project_id]


def test_published_assignments_are_kept_even_where_the_rules_would_now_differ():
    mentions = _series()
    a, b = [m for m in mentions if "供热管网" in m.name]  # kept apart by the rules
    previous = {a.project_id: "pm_given", b.project_id: "pm_given"}
    assert assign(mentions, previous)[b.project_id] == "pm_given"


def test_a_place_in_the_name_wins_over_the_article_place():
    base = ProjectMention("p1", "a1", "稻盛云(武威)智算中心项目", published_date=date(2024, 1, 1),
                          article_place="620700")
    other = replace(base, project_id="p2", article_id="a2", name="稻盛云智算中心", article_place="620600")
    masters, _ = link([base, other])
    assert len(masters) == 1 and masters[0]["place_code"] == "620600"


def test_many_rows_of_one_place_with_common_words_link_in_bounded_time():
    # 3000 distinct projects sharing generic words in one prefecture: the candidate search must not
    # compare every pair (a hang shows here; the bound is generous on purpose).
    import time

    mentions = [ProjectMention(f"p{i}", f"a{i % 600}", f"新材料产业园{i}号标准化厂房项目",
                               published_date=date(2024, 1, 1 + i % 28), article_place="620700")
                for i in range(3000)]
    started = time.monotonic()
    assignment = assign(mentions)
    assert time.monotonic() - started < 120
    assert len(set(assignment.values())) == 3000  # the numbers tell them apart


def test_rows_whose_place_is_unknown_link_to_nothing():
    rows = [ProjectMention(f"p{i}", f"a{i}", "恒晟硅业年产5万吨高纯硅材料项目", published_date=date(2024, 1, i + 1))
            for i in range(2)]  # no place in the name, and the articles say none
    assert len(set(assign(rows).values())) == 2
    placed = [replace(m, article_place="620700") for m in rows]
    assert len(set(assign(placed).values())) == 1


def test_a_row_must_agree_with_every_row_of_a_project_not_just_the_nearest():
    def row(pid, aid, name, company, day):
        return ProjectMention(pid, aid, name, company=company, published_date=date(2024, day, 1),
                              article_place="620700")

    mentions = [row("a", "a1", "恒晟硅业5万吨高纯硅项目", "甘肃恒晟硅业有限公司", 1),
                row("b", "a2", "恒晟硅业5万吨高纯硅项目", None, 2),  # joins a: no company to disagree
                row("c", "a3", "恒晟硅业5万吨高纯硅项目", "张掖宏泰能源有限公司", 3)]  # agrees with b, not with a
    assignment = assign(mentions)
    assert assignment["a"] == assignment["b"] != assignment["c"]
