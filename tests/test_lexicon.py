"""Lexicons load from data/ and fail loudly on a misspelt word class."""

from __future__ import annotations

import pytest

from provenance.errors import LexiconError
from provenance.lexicon import word_class


@pytest.mark.parametrize(
    ("name", "member"),
    [
        ("determiner", "the"),
        ("connector", "of"),
        ("name_particle", "van"),
        ("agent_stop", "because"),
        ("preposition_after_cue", "about"),
        ("object_pronoun", "reporters"),
        ("claim_function", "than"),
    ],
)
def test_word_classes_come_from_grammar_tsv(name: str, member: str) -> None:
    assert member in word_class(name)


def test_an_unknown_word_class_is_an_error() -> None:
    with pytest.raises(LexiconError, match="determinr"):
        word_class("determinr")


def test_multiword_cues_tsv_drives_source_after_cues(monkeypatch: pytest.MonkeyPatch) -> None:
    """Editing data/lexicons/multiword_cues.tsv changes extraction (it was loaded, unused)."""
    import dataclasses

    from provenance.extract import cues, extract
    from provenance.lexicon import load

    text = "As reported by the city auditor, the pension fund is nearly empty.\n"
    assert not any(a.cue and a.cue.text == "As reported by" for a in extract(text))
    extra = dataclasses.replace(
        load(), multiword_cues={**load().multiword_cues, "as reported by": ("speech", "after")}
    )
    monkeypatch.setattr(cues, "load", lambda: extra)
    found = [a for a in extract(text) if a.cue and a.cue.text == "As reported by"]
    assert found and found[0].speaker is not None
    assert found[0].speaker.text == "the city auditor"
