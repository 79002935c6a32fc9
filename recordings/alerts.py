"""Keyword alerts (pure): which of a queue's or campaign's phrases a transcript contains, and
at which second of the recording each was first said."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from recordings.transcribed import Word, said_at


@dataclass(frozen=True, slots=True)
class Hit:
    phrase: str
    second: float


def hits(phrases: Iterable[str], words: Sequence[Word]) -> list[Hit]:
    found = []
    for phrase in phrases:
        first = next(said_at(words, phrase), None)
        if first is not None:
            found.append(Hit(phrase, words[first].start))
    return found
