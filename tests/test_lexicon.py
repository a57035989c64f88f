"""Lexicons load from data/ and fail loudly on a misspelt word class."""

from __future__ import annotations

import pytest

from provenance.errors import LexiconError
from provenance.lexicon import word_class


@pytest.mark.parametrize(("name", "member"), [
    ("determiner", "the"), ("connector", "of"), ("name_particle", "van"),
    ("agent_stop", "because"), ("preposition_after_cue", "about"),
    ("object_pronoun", "reporters"), ("claim_function", "than"),
])
def test_word_classes_come_from_grammar_tsv(name: str, member: str) -> None:
    assert member in word_class(name)


def test_an_unknown_word_class_is_an_error() -> None:
    with pytest.raises(LexiconError, match="determinr"):
        word_class("determinr")
