"""How a project's status is read: one table of sentence -> status, run through the whole project extractor
(scope -> hits -> precedence), and the precedence itself on hits.

Changing how a wording is read means changing reference/status_words.json and this table (and
econ_news/extract/projects/status.py only when the precedence itself changes).
"""
from __future__ import annotations

import pytest

from econ_news.extract.doc import annotate
from econ_news.extract.projects import extract_projects
from econ_news.extract.projects.status import StatusHit, combine
from econ_news.records import Article
from econ_news.segment import split_sentences

P = "甘州区智慧物流园项目"
Q = "民乐县光伏产业园"

# sentence -> {project name: status}; None: the project is found and states no status
STATUS_TABLE = [
    # one wording per status code (status_wordings)
    (f"{P}正在洽谈。", {P: "planned"}),
    (f"{P}前期工作正式启动。", {P: "planned"}),  # 前期工作…启动: a gap inside one clause
    (f"{P}成功签约。", {P: "signed"}),
    (f"{P}签订投资协议。", {P: "signed"}),
    (f"{P}开工建设。", {P: "started"}),
    (f"{P}正在加紧建设。", {P: "under_construction"}),
    (f"{P}全线贯通。", {P: "under_construction"}),
    (f"{P}主体工程已经完工。", {P: "under_construction"}),  # 主体工程…完工: the body, not the project
    (f"{P}已进入试生产阶段。", {P: "trial_operation"}),
    (f"{P}建成投产。", {P: "in_operation"}),
    ("民乐县智慧物流园项目已经竣工。", {"民乐县智慧物流园项目": "in_operation"}),
    (f"{P}已并网发电。", {P: "in_operation"}),
    # a future marker in the clause: a completion is still being built, a start still planned
    (f"{P}预计今年7月建成投产。", {P: "under_construction"}),
    (f"{P}即将投入运行。", {P: "under_construction"}),
    (f"{P}计划明年开工。", {P: "planned"}),
    (f"力争{P}年底竣工投产。", {P: "under_construction"}),  # 力争 before the name
    # not a state (future_after_words, status_not_followed_by)
    (f"{P}总投资3亿元,建成后将带动就业500人。", {P: None}),
    (f"{P}总投资3亿元,开工率达到90%。", {P: None}),
    (f"{P}总投资3亿元,入驻企业12家。", {P: None}),
    (f"{P}已签约,正在办理开工手续。", {P: "signed"}),
    # precedence: the most advanced wins
    (f"{P}已开工,目前正在加紧建设。", {P: "under_construction"}),
    (f"{P}建成投产,二期正在建设。", {P: "in_operation"}),
    # trial_beats_finished_building
    (f"新建成的{P}正在调试。", {P: "trial_operation"}),
    # start_beats_expected_completion, in the same sentence and in a sentence pointing back
    (f"{P}正式开工建设,预计2026年建成投产。", {P: "started"}),
    (f"{P}正式开工建设。该项目预计2026年建成投产。", {P: "started"}),
    # progress_only: under construction unless planned or signed is stated
    (f"{P}正有序推进。", {P: "under_construction"}),
    (f"{P}开工以来进展顺利。", {P: "under_construction"}),
    (f"已签约的{P}正有序推进。", {P: "signed"}),
    # lists: the status after the group noun, or inside it (35项已签约项目)
    (f"甘州区智慧物流园、{Q}等3个项目集中开工。", {"甘州区智慧物流园": "started", Q: "started"}),
    (f"甘州区智慧物流园、{Q}等35项已签约项目正有序推进。", {"甘州区智慧物流园": "signed", Q: "signed"}),
    # numbered lines under a heading ending in a colon take the heading's status
    (f"今年集中开工的项目有2个:\n一是{P},总投资32亿元;\n二是{Q}项目,总投资5亿元。",
     {P: "started", f"{Q}项目": "started"}),
]


def _statuses(text: str) -> dict[str, str | None]:
    article = Article("a", "file:///a.txt", "s", 0, None, None, None, None, text, split_sentences(text))
    return {p.name: p.status for p in extract_projects(annotate(article))}


@pytest.mark.parametrize("sentence, expected", STATUS_TABLE, ids=[s for s, _ in STATUS_TABLE])
def test_status_reading(sentence, expected):
    assert _statuses(sentence) == expected


def _hit(code: str, soft: bool = False, future: bool = False, word: str = "", start: int = 0) -> StatusHit:
    return StatusHit(code, soft, start, start + 2, future, word)


@pytest.mark.parametrize("hits, group_status, expected", [
    ([], None, None),
    ([_hit("signed"), _hit("started")], None, "started"),
    ([_hit("signed")], "in_operation", "in_operation"),  # a list's group noun counts as a hard hit
    # trial_beats_finished_building: only when every in_operation wording is a completion-only one
    ([_hit("in_operation", word="建成"), _hit("trial_operation", word="调试")], None, "trial_operation"),
    ([_hit("in_operation", word="投产"), _hit("trial_operation", word="调试")], None, "in_operation"),
    ([_hit("in_operation", word="建成"), _hit("trial_operation", future=True)], None, "in_operation"),
    # start_beats_expected_completion: only when everything beyond the start is future
    ([_hit("started"), _hit("under_construction", future=True)], None, "started"),
    ([_hit("started"), _hit("under_construction")], None, "under_construction"),
    # progress_only
    ([_hit("under_construction", soft=True)], None, "under_construction"),
    ([_hit("started"), _hit("under_construction", soft=True)], None, "under_construction"),
    ([_hit("signed"), _hit("under_construction", soft=True)], None, "signed"),
])
def test_precedence(hits, group_status, expected):
    best = combine(hits, group_status)
    assert (best.code if best else None) == expected
