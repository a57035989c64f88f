"""Tests for provenance.extract.cues: when a reporting word is a cue."""

from __future__ import annotations

import pytest

from provenance.extract.cues import cue_at
from provenance.extract.segment import tokenize


def _cue(text: str, word: str) -> str | None:
    toks = tokenize(text)
    i = next(k for k, t in enumerate(toks) if t.text == word)
    hit = cue_at(toks, i)
    return text[toks[hit.first].start : toks[hit.index].end] if hit else None


# (text, word, cue span or None)
CUES = [
    ("She said it was late.", "said", "said"),
    ("He has said so before.", "said", "has said"),
    ("The mayor is demanding answers.", "demanding", "is demanding"),
    ("Officials called for calm.", "called", "called for"),
    ("Many lawmakers say it failed.", "say", "say"),
    ("Trump’s claim that it rained", "claim", "claim"),
    ("She was told to wait.", "told", None),  # passive: the subject is not the speaker
    ("the latest report on jobs", "report", None),  # a noun after a determiner
    ("His early tweets drew replies.", "tweets", None),
    ("Health worries have grown.", "worries", None),
    ("people accused of fraud", "accused", None),
    ("Trump’s plans to cut taxes", "plans", None),
    ("state elected leaders", "state", None),
    ("the claims of fraud", "claims", None),
    ("Bill Said arrived.", "Said", None),
]


@pytest.mark.parametrize(("text", "word", "cue"), CUES)
def test_cue_at(text: str, word: str, cue: str | None) -> None:
    assert _cue(text, word) == cue
