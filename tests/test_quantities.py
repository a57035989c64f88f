"""Tests for provenance.quantities: number words, hedges, counted nouns, events, occasions."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlmodel import select

from provenance.lexicon import data_dir
from provenance.quantities import attributed_body, find_quantities, list_claims, parse_number, words
from provenance.store import Store
from provenance.tables import ClaimRow, DocumentRow

INF = math.inf


@pytest.mark.parametrize(
    ("phrase", "low", "high", "unit"),
    [
        ("eight", 8, 8, "count"),
        ("Fourteen", 14, 14, "count"),
        ("two thousand", 2000, 2000, "count"),
        ("2,000", 2000, 2000, "count"),
        ("4,000", 4000, 4000, "count"),
        ("twenty-five", 25, 25, "count"),
        ("two hundred and fifty", 250, 250, "count"),
        ("a dozen", 12, 12, "count"),
        ("a third", 1 / 3, 1 / 3, "fraction"),
        ("dozens", 24, 99, "count"),
        ("several hundred", 300, 900, "count"),
        ("Hundreds", 200, 999, "count"),
        ("about 300", 270, 330, "count"),
        ("nearly 320", 288, 320, "count"),
        ("at least 8", 8, INF, "count"),
        ("more than 60", 60, INF, "count"),
        ("up to 40", 0, 40, "count"),
        ("roughly 9,000", 8100, 9900, "count"),
    ],
)
def test_parse_number(phrase: str, low: float, high: float, unit: str) -> None:
    q = parse_number(words(phrase + " people"), 0)
    assert q is not None
    assert q.low == pytest.approx(low, rel=1e-6)
    assert q.high == pytest.approx(high, rel=1e-6) if high != INF else q.high == INF
    assert q.unit == unit


@pytest.mark.parametrize("phrase", ["people", "some residents", "the 8 p.m. curfew"])
def test_not_a_number(phrase: str) -> None:
    assert parse_number(words(phrase), 0) is None or parse_number(words(phrase), 1) is None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Stadium security said nine people were arrested after the final whistle.",
            [("nine", "people", "arrest")],
        ),
        ("Twelve cars burned in the parking garage overnight.", [("Twelve", "vehicles", "burn")]),
        ("The premier sent 300 soldiers to the flooded valley.", [("300", "troops", "deploy")]),
        (
            "About 40 families were moved to shelters at the armory.",
            [("About 40", "families", "shelter")],
        ),
        ("Medics treated dozens of people overnight.", [("dozens", "people", "treat")]),
        (
            "Five cars burned and three people were arrested on Elm Street.",
            [("Five", "vehicles", "burn"), ("three", "people", "arrest")],
        ),
        # Numbers that count nothing in the noun list are not claims.
        ("The 8 p.m. curfew on Route 9 lasted for 30 years, within half a mile of homes.", []),
        ("The hearing ran two hours and drew five departments.", []),
    ],
)
def test_find_quantities(sentence: str, expected: list[tuple[str, str, str]]) -> None:
    found = find_quantities(sentence)
    got = [(sentence[f.quantity.start : f.quantity.end], f.noun_class, f.event) for f in found]
    assert got == expected


def test_partitive_takes_the_main_verb() -> None:
    text = "About 500 of the roughly 2,000 residents ordered out last week were allowed to return."
    got = {text[f.quantity.start : f.quantity.end]: f.event for f in find_quantities(text)}
    assert got == {"About 500": "return", "roughly 2,000": "evacuate"}


@pytest.mark.parametrize(
    ("sentence", "days", "places"),
    [
        ("Ten people were arrested at the blockade on Monday.", ["monday"], ["blockade"]),
        ("Ten people were arrested on Oak Street after the rally.", [], ["oak street", "rally"]),
    ],
)
def test_occasion(sentence: str, days: list[str], places: list[str]) -> None:
    (f,) = find_quantities(sentence)
    assert (f.days, f.places) == (days, places)


def test_sentence_without_occasion_inherits_the_previous() -> None:
    text = "The march reached Oak Street at dusk.\n\nPolice said six people were arrested."
    (f,) = find_quantities(text)
    assert f.places == ["march", "oak street"]


@pytest.mark.parametrize(
    ("sentence", "body"),
    [
        ("Police said six people were arrested.", "Police"),
        ("Six people were treated for burns, a clinic spokeswoman said.", "a clinic spokeswoman"),
        ("According to the county clerk, 40 families were moved to shelters.", "the county clerk"),
        ("A state report described six buildings as unsafe.", None),
    ],
)
def test_attributed_body(sentence: str, body: str | None) -> None:
    assert attributed_body(words(sentence)) == body


def test_claim_spans_hold(samples: Store) -> None:
    with samples.session() as s:
        docs = {d.id: d.text for d in s.exec(select(DocumentRow))}
        rows = list(s.exec(select(ClaimRow)))
    assert rows
    for r in rows:
        assert docs[r.document_id][r.start : r.end] == r.text
        assert docs[r.document_id][r.quantity_start : r.quantity_end] == r.quantity_text
        assert r.quantity_text in r.text


@pytest.mark.parametrize(
    ("quantity", "noun_class", "event", "speaker"),
    [
        ("eight", "people", "arrest", "Police"),
        ("about 300", "families", "shelter", "the county emergency office"),
        ("Nearly 320", "families", "shelter", "county officials"),
        ("two thousand", "troops", "deploy", None),
        ("Fourteen", "people", "treat", "a hospital spokesman"),
    ],
)
def test_sample_claims(
    samples: Store, quantity: str, noun_class: str, event: str, speaker: str | None
) -> None:
    with samples.session() as s:
        found = [c for c in list_claims(s) if c.quantity == quantity and c.noun_class == noun_class]
    assert found, quantity
    assert all(c.event == event for c in found)
    if speaker is not None:
        assert speaker.casefold() in {(c.speaker or "").casefold() for c in found}


def test_claims_filter_by_body(samples: Store) -> None:
    with samples.session() as s:
        police = list_claims(s, [], "police")
    assert police
    assert all("police" in (c.speaker or "").lower() for c in police)


def test_indirect_claims_listed(samples: Store) -> None:
    with samples.session() as s:
        kinds = {c.kind for c in list_claims(s)}
    assert kinds == {"indirect", "quantity"}


def test_lexicon_files_exist() -> None:
    for name in ("numbers.tsv", "hedges.tsv", "counted_nouns.tsv", "events.tsv", "occasions.tsv"):
        assert Path(data_dir() / "lexicons" / name).is_file()
