"""Tests for provenance.extract.segment: tokens, sentences and quotation pairing (own sentences)."""

from __future__ import annotations

import pytest

from provenance.extract.segment import paragraphs, quotations, sentences, tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Mr. Lee said no.", ["Mr.", "Lee", "said", "no", "."]),
        ("The so-called plan", ["The", "so-called", "plan"]),
        ("the workers’ union", ["the", "workers’", "union"]),
        ("It’s O’Brien’s call", ["It’s", "O’Brien’s", "call"]),
        ("J. R. Smith left.", ["J.", "R.", "Smith", "left", "."]),
        ("in the U.S. today", ["in", "the", "U.S.", "today"]),
        ("“Go,” she said", ["“", "Go", ",", "”", "she", "said"]),
    ],
)
def test_tokens(text: str, tokens: list[str]) -> None:
    found = tokenize(text)
    assert [t.text for t in found] == tokens
    assert all(text[t.start : t.end] == t.text for t in found)
    assert all(t.lower == t.text.lower() for t in found)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("The vote failed. Dr. Aziz left early.", 2),
        ("Gov. Ruiz spoke. Sen. Park did not.", 2),
        ("“We lost,” he said. “Next year.”", 2),
        ("Is it over? Nobody knows.", 2),
        ("The U.S. team won the cup on Sunday.", 1),
    ],
)
def test_sentences(text: str, count: int) -> None:
    found = sentences(text, 0, len(text))
    assert len(found) == count
    assert text[found[0][0] : found[-1][1]].strip() == text.strip()


def test_paragraphs_are_lines() -> None:
    text = "One.\n\nTwo here.\nThree."
    assert [text[s:e] for s, e in paragraphs(text)] == ["One.", "Two here.", "Three."]


# (text, expected contents of the quotations, in order)
QUOTES = [
    ("“Yes,” she said.", ["Yes,"]),
    ("He called it ‘a farce’ and left.", ["a farce"]),
    ("It’s the workers’ ‘last chance’ now.", ["last chance"]),
    ("''It is over,'' he said.", ["It is over,"]),
    ('She said "no" twice.', ["no"]),
    ("“Outer ‘inner’ words,” he said.", ["Outer ‘inner’ words,"]),  # nested one dropped
    # Re-opened marks continue a statement over paragraphs.
    ("“First part.\n“Second part.”", ["First part.\n“Second part."]),
    # An unclosed fragment ends with its paragraph; the next quotation is intact.
    (
        "He called it “a farce and left.\n“We appeal,” she said.",
        ["a farce and left.", "We appeal,"],
    ),
    # An unclosed statement with no later mark stops at its paragraph's end.
    ("“This never closes.\nNext paragraph.", ["This never closes."]),
]


@pytest.mark.parametrize(("text", "contents"), QUOTES)
def test_quotations(text: str, contents: list[str]) -> None:
    found = quotations(text)
    assert [text[q.start : q.end] for q in found] == contents
    for q in found:
        assert q.open < q.start <= q.end <= q.close


def test_closed_flag() -> None:
    text = "He called it “a farce and left.\n“We appeal,” she said."
    assert [q.closed for q in quotations(text)] == [False, True]


@pytest.mark.parametrize(
    ("text", "count"),
    [("He said no. The vote failed.", 2), ("Route No. 5 is closed. Use Route 9.", 2)],
)
def test_number_abbreviation_only_before_a_number(text: str, count: int) -> None:
    assert len(sentences(text, 0, len(text))) == count
