"""Transcript search as text (pure): a person's query as a PostgreSQL tsquery, and the
snippet around a hit with the second it was said at.

Each word of the query must begin a word of the transcript (``'term':*``): Korean attaches
particles to words ("예약을"), and the 'simple' configuration does not strip them. A term of
one character must be a whole word: as a prefix one Hangul syllable begins a large share of
all words, and its search would read most of the index."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from recordings.transcribed import Word, said_at

SNIPPET_WORDS = 6
"""Words shown on each side of the hit."""
MIN_PREFIX = 2


@dataclass(frozen=True, slots=True)
class Snippet:
    text: str
    second: float


def terms(query: str) -> list[str]:
    return [t.casefold() for t in query.split()]


def _prefix(term: str) -> bool:
    return len(term) >= MIN_PREFIX


def tsquery(query: str) -> str:
    """Every term of QUERY quoted (a prefix from MIN_PREFIX characters), all required; '' for
    no term."""
    return " & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'"
                      + (":*" if _prefix(t) else "") for t in terms(query))


def _found_at(words: Sequence[Word], term: str) -> list[int]:
    if _prefix(term):
        return list(said_at(words, term))
    return [i for i, w in enumerate(words) if w.word.casefold() == term]


def snippet(words: Sequence[Word], query: str) -> Snippet | None:
    """The words around the first word where one of QUERY's terms is said."""
    starts = [i for t in terms(query) for i in _found_at(words, t)]
    if not starts:
        return None
    at = min(starts)
    shown = words[max(at - SNIPPET_WORDS, 0):at + SNIPPET_WORDS + 1]
    return Snippet(" ".join(w.word for w in shown), words[at].start)
