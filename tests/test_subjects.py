"""Tests for provenance.extract.subjects: whose cue it is, near the cue and further back."""

from __future__ import annotations

import pytest

from provenance.extract.cues import Doc, cue_at
from provenance.extract.subjects import (
    clause_subject,
    infinitive_subject,
    participle_after_comma,
    subject,
)


def _index(doc: Doc, word: str) -> int:
    return next(k for k, t in enumerate(doc.tokens) if t.text == word)


# (text, cue word, subject text or None)
SUBJECTS = [
    ("Mayor Ada Ruiz said", "said", "Mayor Ada Ruiz"),
    ("Dr. Noor Aziz, a pediatrician in Leeds, said", "said", "Dr. Noor Aziz"),
    ("The head of the port, Lars Vik, said", "said", "Lars Vik"),
    ("Sen. Mara Quist (D-Ore.) said", "said", "Sen. Mara Quist"),
    ("the union, which said", "said", "which"),  # the relative pronoun; it names the union
    ("Police have repeatedly said", "said", "Police"),
    ("the bank said", "said", "the bank"),
    # asides in a chain: an age, a relative clause or a description with a place in it
    ("Ivo Brandt, 58, who lives outside Leeds, says", "says", "Ivo Brandt"),
    ("Mara Quist, 27, a nurse in New York, said", "said", "Mara Quist"),
    ("Cory Janes, 22, of Flint, Mich., said", "said", "Cory Janes"),
    ("Two candidates, Dana Whitfield and Mayor Ada Ruiz, said", "said", "Mayor Ada Ruiz"),
]


@pytest.mark.parametrize(("text", "word", "expected"), SUBJECTS)
def test_subject(text: str, word: str, expected: str | None) -> None:
    doc = Doc(text)
    m = subject(text, doc.tokens, _index(doc, word), 0)
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


# A participle's subject: the nearest phrase that opens a clause and has a verb after it.
# (text, participle, subject text or None)
CLAUSES = [
    (
        "Officials charged the driver and Mayor Ruiz fired her chief, Lars Vik, admitting",
        "admitting",
        "Mayor Ruiz",
    ),
    (
        "As they met in Lisbon, Hale was 300 miles away in Porto, Portugal, promising",
        "promising",
        "Hale",
    ),
    ("The plan will fail, Dana Whitfield said, adding", "adding", "Dana Whitfield"),
    ("“The plan will fail,” Dana Whitfield said, adding", "adding", "Dana Whitfield"),
    (
        "She praised small touches that Mr. Hale might like, describing",
        "describing",
        "She",
    ),
    ("When Ms. Vik asked the firm to print it, it declined, citing", "citing", "it"),
    (
        "They met an engineer named Ivo Brandt, who is running for mayor and who toured "
        "the docks, praising",
        "praising",
        "who",  # the relative pronoun, naming Ivo Brandt (see subject())
    ),
    ("in the harbor, near the docks, saying", "saying", None),
]


@pytest.mark.parametrize(("text", "word", "expected"), CLAUSES)
def test_clause_subject(text: str, word: str, expected: str | None) -> None:
    doc = Doc(text)
    m = clause_subject(doc, 0, _index(doc, word))
    assert (m.text if m else None) == expected


# (text, cue word, whether it is a participle after a comma)
PARTICIPLES = [
    ("Hale spoke, saying", "saying", True),
    ("Hale spoke, eventually saying", "saying", True),
    ("The agency quoted Omar Haddad, a fisherman, as saying", "saying", False),
    ("Ivo Brandt, the chief executive, was planning", "planning", False),
    ("Hale was saying", "saying", False),
]


@pytest.mark.parametrize(("text", "word", "expected"), PARTICIPLES)
def test_participle_after_comma(text: str, word: str, expected: bool) -> None:
    doc = Doc(text)
    hit = cue_at(doc.tokens, _index(doc, word))
    assert hit is not None
    assert participle_after_comma(doc.tokens, hit) is expected


# (text, subject text or None) — the cue is the last word, "to" the one before it
INFINITIVES = [
    ("The forum was so dull that Mr. Hale was prompted to say", "Mr. Hale"),
    ("Mr. Hale went on to say", "Mr. Hale"),
    ("Governor Ruiz was quick to add", "Governor Ruiz"),
    ("It is hard to say", None),  # no one speaks
    ("Mr. Hale failed to note", None),  # reports nothing said
    ("Critics expect Mr. Hale to argue", None),
    ("a term Mr. Hale has used to describe", None),
]


@pytest.mark.parametrize(("text", "expected"), INFINITIVES)
def test_infinitive_subject(text: str, expected: str | None) -> None:
    doc = Doc(text)
    m = infinitive_subject(text, doc.tokens, len(doc.tokens) - 2, 0)
    assert (m.text if m else None) == expected


# A participle after a document its speaker put out: the words are the issuer's.
# (text, cue word, subject text)
ISSUERS = [
    ("On Saturday, Mayor Ruiz issued a statement saying", "saying", "Mayor Ruiz"),
    ("The town released a statement Wednesday saying", "saying", "The town"),
    ("The campaign put out a statement calling", "calling", "The campaign"),
    ("She also sent a tweet saying", "saying", "She"),
    ("Officials read a statement saying", "saying", "a statement"),  # "read" issues nothing
]


@pytest.mark.parametrize(("text", "word", "expected"), ISSUERS)
def test_a_document_participle_is_its_issuers(text: str, word: str, expected: str) -> None:
    doc = Doc(text)
    m = subject(text, doc.tokens, _index(doc, word), 0)
    assert m is not None and m.text == expected
