"""Every named project rule's examples (reference/project_words.json rule_examples), run through the
project extractor: what each rule finds, and what each guard keeps from being a project.

Adding or changing a rule means adding its examples beside its wordings; this test then runs them.
"""
from __future__ import annotations

import pytest

from econ_news.extract.doc import annotate
from econ_news.extract.projects import extract_projects
from econ_news.extract.projects.lexicon import words
from econ_news.records import Article
from econ_news.segment import split_sentences

RULES = words()["rule_examples"]
FINDS = [(rule, text, expected) for rule, r in RULES.items() for text, expected in r["finds"]]
SKIPS = [(rule, text, names) for rule, r in RULES.items() for text, names in r["skips"]]


def _projects(text: str) -> dict[str, str]:
    article = Article("a", "file:///a.txt", "s", 0, None, None, None, None, text, split_sentences(text))
    return {p.name: p.rule for p in extract_projects(annotate(article))}


def test_every_rule_has_examples():
    assert RULES
    assert all(r["finds"] or r["skips"] for r in RULES.values())
    assert {"quoted", "named", "listed", "included", "defined", "alias"} <= set(RULES)


@pytest.mark.parametrize("rule, text, expected", FINDS, ids=[f"{r}: {t}" for r, t, _ in FINDS])
def test_rule_finds(rule, text, expected):
    found = _projects(text)
    assert {name: found.get(name) for name in expected} == expected, found


@pytest.mark.parametrize("rule, text, names", SKIPS, ids=[f"{r}: {t}" for r, t, _ in SKIPS])
def test_rule_skips(rule, text, names):
    found = _projects(text)
    assert not set(names) & set(found), found
