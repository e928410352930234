"""Sentence offsets in an article body."""
from __future__ import annotations

import re

from econ_news.records import Sentence

# A sentence ends at 。！？!? (a run of them), together with the closing quotes right after;
# ；/; and …… do not end one. Every line break ends a paragraph and so a sentence.
_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』\"']*")
_WORD = re.compile(r"[\w\u3400-\u9fff]")


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences of text, as offsets: text[s.start:s.end] is the sentence, without surrounding spaces."""
    sentences: list[Sentence] = []
    offset = 0
    for paragraph_index, paragraph in enumerate(text.split("\n")):
        start = 0
        for end in [m.end() for m in _SENTENCE_END.finditer(paragraph)] + [len(paragraph)]:
            sentence = _trimmed(paragraph, start, end)
            if sentence is not None:
                sentences.append(Sentence(offset + sentence[0], offset + sentence[1], paragraph_index))
            start = end
        offset += len(paragraph) + 1
    return tuple(sentences)


def _trimmed(paragraph: str, start: int, end: int) -> tuple[int, int] | None:
    piece = paragraph[start:end]
    stripped = piece.strip()
    if not _WORD.search(stripped):
        return None
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + lead + len(stripped)
