"""A Mention: one place where the article names a project, and what the rules learned about it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from econ_news.extract.amounts import Quantity


@dataclass
class Mention:
    """One place where the article names a project."""

    start: int  # the name's span in the text (without a company prefix)
    end: int
    name: str
    rule: str
    company: str | None = None
    investment: Quantity | None = None
    outer_start: int | None = None  # start of the name with its company prefix
    list_id: int | None = None  # items of one list are distinct projects
    tail_from: int | None = None  # where the text after the name (after a list's group noun) starts
    subject: bool = False  # the name opens its clause: an antecedent for a later 项目 / 该项目
    group_status: str | None = None  # status words inside a list's group noun (35项已签约项目)
    governing: tuple[int, int] | None = None  # text whose status applies when the mention's own states none
    scope: list[tuple[int, int]] = field(default_factory=list)  # [clause before the name, text after it]
    future_until: int = -1  # the clause before the name says 力争/计划: its status words up to here are future
    lead_from: int = 0  # start of the sentence's text before the name, after any earlier mention
    counted: bool = False  # named after a count of projects (最大的两个项目是甲项目和乙项目)
