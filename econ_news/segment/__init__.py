"""segment: a NormalizedDocument's blocks -> the articles in the file.

A heading opens a new article only when it reads as an article title: it is the file's first
text block, or a level-1 markdown heading, or a date/source line or a byline follows it
within two blocks (other headings, i.e. subtitles, may sit in between), or the article before
it has just closed with its reporters' sign-off (`(记者 蒲利宏)`). Other headings are
section headings: they stay in the body as a line of their own, because they give the
paragraphs under them their context (`项目建设快马加鞭`). A heading right under a title, before
any body text, is a subtitle and is left out of the body — unless the first one is only the
site's banner (`武威市人民政府`, furniture.json site_banners): then the headline after it is the title.

Text before the first title is the tail of another page: an article of its own with no title,
marked is_fragment. A file without any title is one untitled article.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from econ_news.normalize.patterns import furniture, load_reference
from econ_news.records import Article, Block, NormalizedDocument, stable_id
from econ_news.segment.dating import infer_date
from econ_news.segment.sentences import split_sentences

__all__ = ["segment_document", "split_sentences"]

_TITLE_LOOKAHEAD = 2  # blocks after a heading in which its date line or byline must appear


@dataclass
class _Draft:
    title: Block | None = None
    title_rank: tuple[bool, bool] = (False, False)  # (a date line or byline is under it, it is a level-1 heading)
    title_at: int = -1  # index of the title's block
    meta: list[Block] = field(default_factory=list)
    bylines: list[Block] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)


@cache
def _site_banner() -> re.Pattern[str]:
    patterns = load_reference("furniture.json")["site_banners"]["patterns"]
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _is_banner(block: Block) -> bool:
    """The heading is only the name of the site or its owner (武威市人民政府), not a headline."""
    return _site_banner().fullmatch(block.text.strip()) is not None


def segment_document(doc: NormalizedDocument) -> list[Article]:
    drafts = _drafts(doc.blocks)
    has_titled = any(d.title is not None for d in drafts)
    page_dates = [b.published_date for b in doc.blocks if b.kind in ("meta", "issue_date") and b.published_date]
    issue_date = next((b.published_date for b in doc.blocks if b.kind == "issue_date" and b.published_date), None)
    page_text = "\n".join(b.text for b in doc.blocks if b.kind in ("heading", "paragraph"))
    articles: list[Article] = []
    for draft in drafts:
        if not draft.body:
            continue
        fragment = draft.title is None and has_titled
        articles.append(_article(doc, draft, len(articles), fragment, issue_date, page_dates, page_text))
    return articles


def _drafts(blocks: tuple[Block, ...]) -> list[_Draft]:
    drafts = [_Draft()]
    seen_text = False
    signed_off = False  # the last text was a paragraph closed by its reporters' sign-off
    for i, block in enumerate(blocks):
        current = drafts[-1]
        if block.kind == "signoff":
            signed_off = bool(current.body)
            continue
        if block.kind in ("heading", "paragraph"):
            after_signoff, signed_off = signed_off, False
        if block.kind == "heading":
            rank = (_has_stamp_below(blocks, i), block.level == 1)
            if not seen_text or any(rank) or after_signoff:
                _open_article(drafts, block, rank, i)
            elif current.title is not None and not current.body:
                pass  # a subtitle under the title: not body text
            else:
                current.body.append(block)
            seen_text = True
        elif block.kind == "paragraph":
            current.body.append(block)
            seen_text = True
        elif block.kind == "meta":
            current.meta.append(block)
        elif block.kind == "byline":
            current.bylines.append(block)
    return drafts


def _open_article(drafts: list[_Draft], title: Block, rank: tuple[bool, bool], at: int) -> None:
    current = drafts[-1]
    if current.title is not None and not current.body:
        # Title candidates with no text between: a banner, a menu item or a kicker, and the headline.
        # The headline has a date line or byline under it, or else is marked <h1>/#; between equals,
        # the first one is the headline and the others are subtitles.
        adjacent = at == current.title_at + 1
        if adjacent and rank >= current.title_rank and _is_kicker(current.title, title):
            # 总投资243亿元 / 嘉峪关市65个重点项目集中复工开工: a headline set on two lines is one title
            joined = Block("heading", f"{current.title.text} {title.text}", title.level)
            current.title, current.title_rank, current.title_at = joined, rank, at
        elif (
            rank > current.title_rank
            or (_is_banner(current.title) and not _is_banner(title))  # a site banner never outranks a headline
            or (adjacent and rank == current.title_rank and _is_channel(current.title, title))
        ):
            current.title, current.title_rank, current.title_at = title, rank, at
        return
    if current.title is None and not current.body:
        current.title, current.title_rank, current.title_at = title, rank, at
        current.meta.clear()  # lines above a headline are page chrome (a "today" widget), not its stamp
        return
    drafts.append(_Draft(title=title, title_rank=rank, title_at=at))


def _is_kicker(above: Block, headline: Block) -> bool:
    """The line right above the headline is its first line (引题: 总投资243亿元, 90天!): a short phrase of
    its own, on the same level, shorter than the headline (a longer line above is the headline itself, and
    the line under it the subtitle, which may be long: 贠建民 董建镇等出席开工仪式), and neither a channel
    name nor the site's banner."""
    low, high = _kicker_chars()
    return above.level == headline.level and low <= len(above.text) <= high and len(above.text) < len(headline.text) and not _is_banner(above)


def _is_channel(above: Block, headline: Block) -> bool:
    """A line too short to be a headline (要闻, 市州播报) right above one: the channel, not the title."""
    return above.level == headline.level and len(above.text) < _kicker_chars()[0] <= len(headline.text)


@cache
def _kicker_chars() -> tuple[int, int]:
    headings = load_reference("furniture.json")["headings"]
    return headings["kicker_min_chars"], headings["kicker_max_chars"]


def _has_stamp_below(blocks: tuple[Block, ...], i: int) -> bool:
    for below in blocks[i + 1 : i + 1 + _TITLE_LOOKAHEAD]:
        if below.kind in ("meta", "byline"):
            return True
        if below.kind != "heading":
            return False
    return False


def _article(
    doc: NormalizedDocument,
    draft: _Draft,
    ordinal: int,
    is_fragment: bool,
    issue_date: date | None,
    page_dates: list[date],
    page_text: str,
) -> Article:
    title = _clean_title(draft.title.text) if draft.title is not None else None
    paragraphs = [b.text for b in draft.body if b.kind == "paragraph"]
    published, source = _publication_date(draft, title, paragraphs, issue_date, page_dates, page_text)
    text = "\n".join(b.text for b in draft.body)
    return Article(
        article_id=stable_id(doc.sha256, ordinal),
        source_uri=doc.source_uri,
        doc_sha256=doc.sha256,
        ordinal=ordinal,
        title=title,
        published_date=published,
        date_source=source,
        byline=draft.bylines[0].text if draft.bylines else None,
        text=text,
        sentences=split_sentences(text),
        is_fragment=is_fragment,
    )


def _publication_date(
    draft: _Draft,
    title: str | None,
    paragraphs: list[str],
    issue_date: date | None,
    page_dates: list[date],
    page_text: str,
) -> tuple[date | None, str | None]:
    """The article's own stamp; else the issue date printed in an e-paper's page header (every article of
    the page came out that day); else inferred from a dateline (segment.dating)."""
    stated = next((m.published_date for m in draft.meta if m.published_date is not None), issue_date)
    if stated is not None:
        return stated, "stated"
    inferred = infer_date(title, paragraphs, page_dates, page_text, stamps=[m.text for m in draft.meta])
    return (inferred, "inferred") if inferred is not None else (None, None)


def _clean_title(text: str) -> str | None:
    title = furniture().title_suffix.sub("", text).strip()
    return title or None
