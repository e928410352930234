"""One article read once: its text, its sentences and the spans the extractors read, each with offsets.

annotate(article) is called once per article by the extract stage; projects, metrics and entities all
read the same AnnotatedArticle, so no one rescans the text for what another has already found (and no
cache hands results from one extractor to the next). Each kind of span is found the first time an
extractor asks for it, then kept with the article.

    quantities  amounts, counts, percents, areas (amounts.find_quantities), in the order found
    growths     growth rates (amounts.find_growth)
    shares      shares of a whole (amounts.find_shares)
    periods     dated periods resolved against the publication date (periods.find_periods)
    entities    the places and companies, the main place and province, and their resolution
                (entities.EntityContext); companies is its list of company names
"""
from __future__ import annotations

from functools import cached_property

from econ_news.extract.amounts import Growth, Quantity, Share, find_growth, find_quantities, find_shares
from econ_news.extract.entities import EntityContext, Place
from econ_news.extract.failures import RuleFailure
from econ_news.extract.periods import PeriodMention, find_periods
from econ_news.records import Article, Sentence


class AnnotatedArticle:
    """An article and the spans found in its text (see the module docstring), each found once."""

    def __init__(self, article: Article) -> None:
        self.article = article
        self.text = article.text
        # rules that raised on a sentence or candidate (extract/failures.py), returned with the rows
        self.failures: list[RuleFailure] = []

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return self.article.sentences

    @cached_property
    def entities(self) -> EntityContext:
        return EntityContext(self.article.title, self.text)

    @cached_property
    def companies(self) -> tuple[Place, ...]:
        return tuple(self.entities.companies)

    @cached_property
    def quantities(self) -> tuple[Quantity, ...]:
        return tuple(find_quantities(self.text))

    @cached_property
    def growths(self) -> tuple[Growth, ...]:
        return tuple(find_growth(self.text))

    @cached_property
    def shares(self) -> tuple[Share, ...]:
        return tuple(find_shares(self.text))

    @cached_property
    def periods(self) -> tuple[PeriodMention, ...]:
        return tuple(find_periods(self.text, self.article.published_date))


def annotate(article: Article) -> AnnotatedArticle:
    return AnnotatedArticle(article)
