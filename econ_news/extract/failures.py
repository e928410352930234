"""A rule that fails on one sentence costs that rule's rows there, not the article's.

Rules read text no one has checked; a bug in one of them met by one odd sentence (a breakdown amount with
no figure before it, a page cut mid-list) must not take the article's other rows with it. Where the
extractors apply a rule to one sentence, figure or candidate, they call it through ``apply_rule``: an
exception becomes a RuleFailure (which rule, the span of text it was reading, the error) kept with the
article's rows, and the rule yields nothing there. The extract stage turns each failure into a reject row
(stage ``extract``, reason ``rule_error``) beside the article's rows, so the failure is seen and counted.

TimeBudgetExceeded is not a rule's failure: it stops the whole article (extract/budget.py).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from econ_news.extract.budget import TimeBudgetExceeded

T = TypeVar("T")


@dataclass(frozen=True)
class RuleFailure:
    rule: str  # the rule that raised: money_row, find_named, project_row ...
    start: int  # the span of Article.text it was reading (a sentence, a candidate's sentence, the text)
    end: int
    error: str  # the exception's type and message

    def detail(self, article_id: str) -> str:
        return f"article {article_id}: rule {self.rule} at {self.start}-{self.end}: {self.error}"[:500]


def apply_rule(failures: list[RuleFailure], rule: str, span: tuple[int, int], fallback: T,
               step: Callable[[], T]) -> T:
    """step(), or fallback with a RuleFailure recorded when it raises."""
    try:
        return step()
    except TimeBudgetExceeded:
        raise
    except Exception as exc:  # noqa: BLE001 - recorded with its type and message, and the article goes on
        failures.append(RuleFailure(rule, span[0], span[1], f"{type(exc).__name__}: {exc}"[:300]))
        return fallback
