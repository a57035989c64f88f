"""Tests for provenance.extract.mentions: speaker noun phrases next to a cue (own sentences)."""

from __future__ import annotations

import pytest

from provenance.extract.common_nouns import generic_np_after, generic_np_before
from provenance.extract.mentions import np_after, np_before
from provenance.extract.segment import tokenize
from provenance.models import SpeakerKind


def _before(text: str, cue: str):  # type: ignore[no-untyped-def]
    toks = tokenize(text)
    i = next(k for k, t in enumerate(toks) if t.text == cue)
    return np_before(text, toks, i) or generic_np_before(text, toks, i)


# (text, cue, mention text, name, kind, titles, affiliation)
BEFORE = [
    (
        "Mayor Lena Ortiz said",
        "said",
        "Mayor Lena Ortiz",
        "Lena Ortiz",
        SpeakerKind.person,
        ["Mayor"],
        None,
    ),
    (
        "Oregon’s governor Tina Kotek said",
        "said",
        "Oregon’s governor Tina Kotek",
        "Tina Kotek",
        SpeakerKind.person,
        ["governor"],
        "Oregon",
    ),
    ("the governor said", "said", "the governor", None, SpeakerKind.person, ["governor"], None),
    (
        "a worker in Leeds said",
        "said",
        "a worker in Leeds",
        "A worker in Leeds",
        SpeakerKind.anonymous,
        [],
        None,
    ),
    ("state police said", "said", "police", "police", SpeakerKind.organization, [], None),
    ("she said", "said", "she", None, SpeakerKind.person, [], None),
    (
        "The New York Post reported",
        "reported",
        "The New York Post",
        "New York Post",
        SpeakerKind.organization,
        [],
        None,
    ),
    ("Many farmers say", "say", "Many farmers", None, None, [], None),
    ("the harbor authority said", "said", "the harbor authority", None, None, [], None),
]


@pytest.mark.parametrize(
    ("text", "cue", "mention", "name", "kind", "titles", "affiliation"), BEFORE
)
def test_np_before(
    text: str,
    cue: str,
    mention: str,
    name: str | None,
    kind: SpeakerKind | None,
    titles: list[str],
    affiliation: str | None,
) -> None:
    m = _before(text, cue)
    assert m is not None and m.text == mention
    assert text[m.start : m.end] == m.text
    if name is not None:
        assert m.name == name
    if kind is not None:
        assert m.kind is kind
        assert m.titles == titles and m.affiliation == affiliation


@pytest.mark.parametrize(
    "text",
    ["this month said", "the deal and said", "yesterday said", "to said", "last week said"],
)
def test_no_speaker_before(text: str) -> None:
    assert _before(text, "said") is None


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("said Ines Falk, a grocer", "Ines Falk"),
        ("said the mayor of Bremen.", "the mayor of Bremen"),
        ("said he", "he"),
    ],
)
def test_np_after(text: str, mention: str) -> None:
    toks = tokenize(text)
    m = np_after(text, toks, 1)
    assert m is not None and m.text == mention


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("according to federal statistics, rents rose", "federal statistics"),
        ("according to exit polls.", "exit polls"),
    ],
)
def test_generic_np_after(text: str, mention: str) -> None:
    toks = tokenize(text)
    m = generic_np_after(text, toks, 2, len(toks))
    assert m is not None and m.text == mention and m.kind is SpeakerKind.document
