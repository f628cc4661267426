"""Comment text made comparable before any rule reads it: one case, "n't" spelled " not",
emoji as sentiment tokens, sentences marked, and misspelt words corrected to the codeframe's and
the sentiment lexicon's own words, so a rule written for "waiting" also finds "wiating".

Spelling correction is a symmetric-delete lookup (one edit: a letter dropped, added, changed or
two swapped), only for words of four letters or more that are not English words, and only when
the correction keeps the first letter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

MAX_CHARS = 4000  # the longest text read; a 10,000-character paste is tagged on its start

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e"
                      r"\u2060-\u2069\ufeff]")
_APOS = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_APOSTROPHE = re.compile(
    r"\b(?:(can)'?t|(won)'?t|(ain)'?t|(shan)'?t|(do|does|did|is|are|was|were|have|has|had|could|"
    r"would|should|must|need)n'?t|(i|you|we|they|he|she|it|that|there)'(ll|ve|re|d|m|s))\b")
_IRREGULAR = {"can": "can", "won": "will", "ain": "is", "shan": "shall"}
_SHORT = {"dont": "do not", "didnt": "did not", "wasnt": "was not", "werent": "were not",
          "isnt": "is not", "couldnt": "could not", "wouldnt": "would not", "havent": "have not",
          "hasnt": "has not", "cant": "can not", "wont": "will not", "cannot": "can not",
          "doesnt": "does not", "shouldnt": "should not", "arent": "are not", "w/o": "without",
          "thx": "thanks", "thnx": "thanks", "ty": "thanks", "u": "you", "ur": "your",
          "pls": "please", "plz": "please", "appt": "appointment", "svc": "service"}
_SHORT_RX = re.compile(r"\b(?:" + "|".join(re.escape(k) for k in _SHORT) + r")\b")


def _apostrophe(m: re.Match[str]) -> str:
    groups = m.groups()
    for i in range(4):
        if groups[i]:
            return f"{_IRREGULAR[groups[i]]} not"
    if groups[4]:
        return f"{groups[4]} not"
    return f"{groups[5]} {groups[6]}"


POSITIVE_EMOJI = set("😀😃😄😁😊🙂😍🥰😘👍👌🙌👏💯⭐🌟❤💙💚💛💜🧡🤩😎✅🎉🥳☺")
NEGATIVE_EMOJI = set("😡😠🤬😤👎💩🙄😞😒😣😖😫😩😢😭☹🙁😕😑😐🤮🤢❌⛔💸🐌")
_BREAK = re.compile(r"[.!?;:\n\r\u2026]+|\s[-\u2013\u2014]+\s|,\s*(?=but\b|however\b|though\b)")
_TOKEN = re.compile(r"\$|[a-z0-9]+(?:[-/&][a-z0-9]+)*|\|")
_REPEAT = re.compile(r"([a-z])\1{2,}")

ENGLISH_MIN_COUNT = 100  # a word this frequent in pyspellchecker's English list is a real word


@lru_cache(maxsize=1)
def _counts() -> dict[str, int]:
    import gzip
    import json
    from importlib.resources import files

    with gzip.open(str(files("spellchecker") / "resources" / "en.json.gz"), "rt",
                   encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def english() -> frozenset[str]:
    """English words (pyspellchecker's shipped frequency list, read from the installed package,
    never downloaded): a known word is never "corrected" ("change" is one edit from "charge")."""
    return frozenset(w for w, n in _counts().items() if n >= ENGLISH_MIN_COUNT)


def clean(text: object) -> str:
    """Lower case, no control or bidi characters, straight apostrophes, contractions spelled
    out, at most MAX_CHARS characters."""
    s = "" if text is None else str(text)
    s = unicodedata.normalize("NFKC", s[: MAX_CHARS * 2])[:MAX_CHARS]
    s = _CONTROL.sub(" ", s).translate(_APOS).lower()
    if "'" in s:
        s = _APOSTROPHE.sub(_apostrophe, s)
    return _SHORT_RX.sub(lambda m: _SHORT[m.group(0)], s)


def emoji_tokens(text: str) -> str:
    """Emoji as the words `emopos` / `emoneg`, so the lexicon scores them like any word."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch in POSITIVE_EMOJI:
            out.append(" emopos ")
        elif ch in NEGATIVE_EMOJI:
            out.append(" emoneg ")
        else:
            out.append(ch)
    return "".join(out)


class Speller:
    """Corrects a word one edit away from a known vocabulary word (symmetric deletes)."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        own = frozenset(w for w in vocabulary if w.isalpha())
        self.known = own | english()
        self.freq = _counts()
        index: dict[str, list[str]] = {}
        for w in sorted(own):
            if len(w) < 4:
                continue
            for d in {w, *_deletes(w)}:
                index.setdefault(d, []).append(w)
        self.index = index
        self.correct = lru_cache(maxsize=200_000)(self._correct)

    def _correct(self, word: str) -> str:
        """The vocabulary word one edit away with the same first letter: two letters swapped
        first (the commonest typing slip), then the most frequent English word."""
        if word in self.known or len(word) < 4 or not word.isalpha():
            return word
        hits = {h for cand in (word, *_deletes(word)) for h in self.index.get(cand, ())
                if h[0] == word[0] and abs(len(h) - len(word)) <= 1}
        if not hits:
            return word
        letters = sorted(word)
        return max(sorted(hits), key=lambda h: (sorted(h) == letters, self.freq.get(h, 0)))


def _deletes(w: str) -> list[str]:
    return [w[:i] + w[i + 1:] for i in range(len(w))]


def tokens(text: str, speller: Speller | None) -> list[str]:
    """Words of cleaned text, sentence breaks as "|", repeated letters squeezed ("soooo" ->
    "soo" -> "so"), misspellings corrected."""
    text = _BREAK.sub(" | ", emoji_tokens(text))
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        if _REPEAT.search(tok):
            two = _REPEAT.sub(r"\1\1", tok)
            tok = two if speller is None or two in speller.known else _REPEAT.sub(r"\1", tok)
        if speller is not None:
            tok = speller.correct(tok)
        out.append(tok)
    while out and out[0] == "|":
        out.pop(0)
    return out
