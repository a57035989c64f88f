"""Tests for provenance.extract: the seed gold, then table-driven rule families.

Every sentence in the tables was written for these tests (none is copied from a
corpus). Each row says what one rule family must (or must not) produce.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from provenance.extract import extract
from provenance.models import Attribution

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED_GOLD = SHARED / "eval" / "seeds.quotes.gold.jsonl"
SEED_CORPUS = SHARED / "corpus"


def _fold_tokens(name: str) -> set[str]:
    """Lower-case, accent-free word tokens of a name ("Barragán" -> {"barragan"})."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return {w for w in "".join(c if c.isalnum() else " " for c in plain).split() if len(w) > 1}


def _seed_rows() -> list[dict[str, object]]:
    if not SEED_GOLD.is_file() or not SEED_CORPUS.is_dir():
        pytest.skip(f"seed gold not present at {SHARED} (shared folder outside the repository)")
    return [json.loads(line) for line in SEED_GOLD.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _read(name: str) -> str:
    with (SEED_CORPUS / name).open(encoding="utf-8", newline="") as fh:
        return fh.read()


def _assert_invariant(text: str, atts: list[Attribution]) -> None:
    for a in atts:
        for span in a.spans():
            assert text[span.start : span.end] == span.text, (a.rule, span)


def test_seed_gold_is_extracted_exactly() -> None:
    rows = _seed_rows()
    texts: dict[str, str] = {}
    results: dict[str, list[Attribution]] = {}
    for row in rows:
        name = str(row["doc"])
        if name not in results:
            texts[name] = _read(name)
            results[name] = extract(texts[name])
            _assert_invariant(texts[name], results[name])
        same = [a for a in results[name]
                if (a.content.start, a.content.end) == (row["start"], row["end"])]
        assert same, f"{name}[{row['start']}:{row['end']}] {row['text']!r} not extracted"
        att = same[0]
        if row["speaker"] is None:
            assert att.kind == "nonspeech", (row["text"], att.kind, att.rule)
            assert att.speaker is None and att.speaker_name is None, row["text"]
        else:
            assert att.kind != "nonspeech", (row["text"], att.rule)
            assert att.speaker_name is not None, (row["text"], att.rule)
            shared = _fold_tokens(att.speaker_name) & _fold_tokens(str(row["speaker"]))
            assert shared, (row["text"], att.speaker_name, row["speaker"])


def test_seed_speaker_names_are_as_spelled_in_the_text() -> None:
    rows = _seed_rows()
    names = {}
    for row in rows:
        if row["speaker"] is None:
            continue
        text = _read(str(row["doc"]))
        att = next(a for a in extract(text)
                   if (a.content.start, a.content.end) == (row["start"], row["end"]))
        names[str(row["speaker"])] = att.speaker_name
    # The articles spell "Newson" and "Barragan"; Trump is never given a first name there.
    assert names.get("Donald Trump") == "Trump"
    assert names.get("Gavin Newsom") == "Gavin Newson"
    assert names.get("Nanette Barragán") == "Nanette Barragan"
