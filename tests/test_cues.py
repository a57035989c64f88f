"""Tests for provenance.extract.cues: when a reporting word is a cue, and who its subject is."""

from __future__ import annotations

import pytest

from provenance.extract.cues import Doc, cue_at, subject
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


# (text, cue word, subject text or None)
SUBJECTS = [
    ("Mayor Ada Ruiz said", "said", "Mayor Ada Ruiz"),
    ("Dr. Noor Aziz, a pediatrician in Leeds, said", "said", "Dr. Noor Aziz"),
    ("The head of the port, Lars Vik, said", "said", "Lars Vik"),
    ("Sen. Mara Quist (D-Ore.) said", "said", "Sen. Mara Quist"),
    ("the union, which said", "said", "which"),  # the relative pronoun; it names the union
    ("Police have repeatedly said", "said", "Police"),
    ("the bank said", "said", "the bank"),
]


@pytest.mark.parametrize(("text", "word", "expected"), SUBJECTS)
def test_subject(text: str, word: str, expected: str | None) -> None:
    doc = Doc(text)
    i = next(k for k, t in enumerate(doc.tokens) if t.text == word)
    m = subject(text, doc.tokens, i, 0)
    assert (m.text if m else None) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("the union, which said", "union"),
        ("Mr. Kamin, who emphasized", "Kamin"),
    ],
)
def test_a_relative_pronoun_subject_names_the_phrase_before_it(text: str, name: str) -> None:
    doc = Doc(text)
    m = subject(text, doc.tokens, len(doc.tokens) - 1, 0)
    assert m is not None and text[m.start : m.end] in ("which", "who") and m.name == name
