"""Reading amounts, periods, entities, projects and metrics out of article text.

The package import stays light: each module is imported where it is used, so that e.g.
econ_news.extract.amounts works on its own. The stage's entry point is econ_news.extract.article.
"""
