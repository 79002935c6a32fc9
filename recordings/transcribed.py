"""A transcript as values (pure): its words with their times, and where a phrase was said.

Phrases are found across word boundaries, spaces ignored, from the start of a word: a
recognizer splits Korean or Chinese words its own way ("예약 을" for "예약을"), so the
phrase "예약" is found in "예약 을", "예약을" and "예 약"."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start: float
    end: float
    conf: float

    def as_json(self) -> dict[str, str | float]:
        return {"word": self.word, "start": self.start, "end": self.end, "conf": self.conf}


@dataclass(frozen=True, slots=True)
class Transcribed:
    text: str
    words: tuple[Word, ...]
    audio_seconds: float


def _folded(text: str) -> str:
    return "".join(text.split()).casefold()


def said_at(words: Sequence[Word], phrase: str) -> Iterator[int]:
    """Indices of the words where PHRASE begins."""
    needle = _folded(phrase)
    if not needle:
        return
    folded = [_folded(w.word) for w in words]
    for i in range(len(folded)):
        if _joined_from(folded, i, len(needle)).startswith(needle):
            yield i


def _joined_from(folded: list[str], i: int, length: int) -> str:
    """The words from I on, joined, until LENGTH characters are there."""
    joined = ""
    for word in folded[i:]:
        joined += word
        if len(joined) >= length:
            break
    return joined
