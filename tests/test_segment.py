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


# Doubled marks (typos in real copy, and what a writer gives a quote that already has
# its marks): (text, content, opening run, closing run). The content stays between the
# innermost marks; the marks and any punctuation between two closing marks are the
# quotation's marks, so the attribution after them is outside it.
DOUBLED = [
    ("““Zsa afye bfqosrja qywy,”,” said Kivol Volruki.", "Zsa afye bfqosrja qywy,", "““", "”,”"),
    ("““Nobody asked us”,” said Tomas Very.", "Nobody asked us", "““", "”,”"),
    ('""We will rebuild the bridge,"" he said.', "We will rebuild the bridge,", '""', '""'),
    ("“The budget is final,”” she said.", "The budget is final,", "“", "””"),
    ("““The budget is final,” she said.", "The budget is final,", "““", "”"),
    ('“"We never agreed to that,”" said Mara Linde.', "We never agreed to that,", '“"', '”"'),
    ('"“Stop the trucks,”" said Ivo Sand.', "Stop the trucks,", '"“', '”"'),
    ("“Why now?”?” asked Lena Fors.", "Why now?", "“", "”?”"),
    ("‘‘The vote is Tuesday,’’ the clerk said.", "The vote is Tuesday,", "‘‘", "’’"),
    ("Ruiz wrote: ““We are done.””", "We are done.", "““", "””"),
]


@pytest.mark.parametrize(("text", "content", "opening", "closing"), DOUBLED)
def test_doubled_marks_act_as_one(text: str, content: str, opening: str, closing: str) -> None:
    found = quotations(text)
    assert len(found) == 1
    q = found[0]
    assert q.closed
    assert text[q.start : q.end] == content
    assert text[q.open : q.start] == opening
    assert text[q.end : q.close] == closing


# Marks of the other family, or separated by a space, are not a doubled mark: nested
# quotations and neighbouring quotations keep working. (text, contents in order)
NOT_DOUBLED = [
    (
        "“He told me ‘never again,’ and left,” she said.",
        ["He told me ‘never again,’ and left,"],
    ),
    (
        "\"He told me 'never again,' and left,\" she said.",
        ["He told me 'never again,' and left,"],
    ),
    ("“She wrote ‘no more,’” he said.", ["She wrote ‘no more,’"]),
    ("\"She wrote 'no more,'\" he said.", ["She wrote 'no more,'"]),
    ("“‘Enough,’ she wrote, and I agreed,” he said.", ["‘Enough,’ she wrote, and I agreed,"]),
    ('She said "yes" "no" and "maybe."', ["yes", "no", "maybe."]),
    ('He left "" blank and "went home."', ["went home."]),
]


@pytest.mark.parametrize(("text", "contents"), NOT_DOUBLED)
def test_other_marks_are_not_doubled(text: str, contents: list[str]) -> None:
    found = quotations(text)
    assert [text[q.start : q.end] for q in found] == contents
    assert all(q.closed and q.close - q.end == 1 and q.start - q.open == 1 for q in found)


@pytest.mark.parametrize(
    ("text", "count"),
    [("He said no. The vote failed.", 2), ("Route No. 5 is closed. Use Route 9.", 2)],
)
def test_number_abbreviation_only_before_a_number(text: str, count: int) -> None:
    assert len(sentences(text, 0, len(text))) == count


# Nested quotations in newspaper styles: the Post sets a double mark apart by spaces next
# to a single one; the Times writes double marks as two apostrophes, so three in a row are
# a double and a single mark. The content never starts or ends with a space.
@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("\"Say, 'Well done,' \" she said.", "Say, 'Well done,'"),
        ("He said: \" 'Done' is what they told me.\"", "'Done' is what they told me."),
        ("''It ran on 'Harbor Watch,''' he said.", "It ran on 'Harbor Watch,'"),
        ("'''Yes,' he told me,'' she said.", "'Yes,' he told me,"),
    ],
)
def test_nested_marks_of_two_styles(text: str, content: str) -> None:
    outer = [q for q in quotations(text) if q.double]
    assert [text[q.start : q.end] for q in outer] == [content]
