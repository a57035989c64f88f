"""Tests for provenance.quantities: number words, hedges, counted nouns, events, occasions."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
from sqlmodel import col, select

from provenance import audit, quantities
from provenance.crosscheck import rebuild
from provenance.extract.segment import paragraphs, sentences
from provenance.ingest import ingest
from provenance.lexicon import data_dir
from provenance.quantities import (
    Found,
    _event,
    _noun_after,
    attributed_body,
    find_quantities,
    list_claims,
    occasion,
    parse_number,
    words,
)
from provenance.store import Store, open_store
from provenance.tables import AuditRow, ClaimRow, DocumentRow
from tests.support import check_invariants, write_corpus

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


# ---- the fast scan against a straightforward one -------------------------------------


def reference_find_quantities(text: str) -> list[Found]:
    """``find_quantities`` as first written: every sentence's words built, every
    sentence's occasion worked out, every word tried as the start of a number."""
    out: list[Found] = []
    previous: tuple[list[str], list[str]] = ([], [])
    for p_start, p_end in paragraphs(text):
        for s_start, s_end in sentences(text, p_start, p_end):
            ws = words(text, s_start, s_end)
            days, places = occasion(ws)
            if not days and not places:
                days, places = previous
            previous = (days, places)
            speaker = None
            n = 0
            while n < len(ws):
                q = parse_number(ws, n)
                if q is None:
                    n += 1
                    continue
                noun = _noun_after(ws, q.next_index)
                if noun is not None:
                    partitive = (
                        q.next_index < len(ws)
                        and ws[q.next_index].low == "of"
                        and re.match(r"\d|[a-z]", ws[min(q.next_index + 2, len(ws) - 1)].low)
                    )
                    event = _event(ws, n, noun[2], bool(partitive) and noun[2] > q.next_index + 3)
                    if speaker is None:
                        speaker = attributed_body(ws) or ""
                    written = text[ws[q.next_index].start : ws[noun[2] - 1].end]
                    out.append(
                        Found(
                            (s_start, s_end),
                            q,
                            written,
                            noun[1],
                            event,
                            days,
                            places,
                            speaker or None,
                        )
                    )
                n = max(q.next_index, n + 1)
    return out


# Invented texts; each row: the text, then (number phrase, days, places) of each claim.
SCAN_CASES: list[tuple[str, list[tuple[str, list[str], list[str]]]]] = [
    (
        # A day named two sentences back, across a paragraph break, is inherited.
        "Marchers set off from the stadium on Friday.\n\nThe organisers had hoped for calm. "
        "Police said eight people were arrested.",
        [("eight", ["friday"], ["stadium"])],
    ),
    (
        # "monday" in lower case names no day: the walk back goes past it.
        "The blockade went up on Tuesday. Talks resumed monday morning. "
        "A third of the protesters were detained.",
        [("A third", ["tuesday"], ["blockade"])],
    ),
    (
        # A claim sentence's own occasion passes on to a later claim with none.
        "Two thousand residents fled the coast on Sunday. Nobody was hurt. "
        "Officials said twenty-five homes burned.",
        [("Two thousand", ["sunday"], ["coast"]), ("twenty-five", ["sunday"], ["coast"])],
    ),
    (
        # An occasion named after the claim does not reach back to it.
        "Forty-two soldiers were deployed. They reached the clinic on Main Street on Monday.",
        [("Forty-two", [], [])],
    ),
    (
        # Hyphenated words that are not numbers; a number with no counted noun.
        "A well-known shelter took in 30 dogs. About 300 families were moved to shelters "
        "near Route 9, a county clerk said.",
        [("About 300", [], ["route 9", "shelters"])],
    ),
    (
        "According to the fire chief, two hundred and fifty firefighters fought the blaze "
        "downtown. Several hundred people gathered at city hall on Wednesday; "
        "3,000 of the 9,000 residents ordered out were allowed back.",
        [
            ("two hundred and fifty", [], ["downtown"]),
            ("Several hundred", ["wednesday"], ["city hall"]),
            ("3,000", ["wednesday"], ["city hall"]),
            ("9,000", ["wednesday"], ["city hall"]),
        ],
    ),
    ("No numbers here. Nor any place or day at all.", []),
    ("Thirty cars and a dozen trucks were torched on Elm Road, a witness said.", None),
]


@pytest.mark.parametrize(("text", "expected"), SCAN_CASES)
def test_fast_scan_equals_reference(
    text: str, expected: list[tuple[str, list[str], list[str]]] | None
) -> None:
    found = find_quantities(text)
    assert found == reference_find_quantities(text)
    if expected is not None:
        got = [(text[f.quantity.start : f.quantity.end], f.days, f.places) for f in found]
        assert got == expected


def test_fast_scan_equals_reference_on_generated_articles(tmp_path: Path) -> None:
    paths = write_corpus(tmp_path, 40)
    total = 0
    for p in paths:
        text = p.read_text(encoding="utf-8")
        found = find_quantities(text)
        assert found == reference_find_quantities(text), p.name
        total += len(found)
    assert total > 20  # the articles do hold claims


# ---- where the quantities are found ---------------------------------------------------


def _claims_state(db: Path) -> tuple[list[tuple[object, ...]], dict[str, str]]:
    """The claim rows, and the latest ``claims.extracted`` payload of each document."""
    store = open_store(str(db))
    try:
        with store.session() as s:
            rows = [
                tuple(c.model_dump().values())
                for c in s.exec(select(ClaimRow).order_by(col(ClaimRow.id)))
            ]
            logged = {
                subj: payload
                for subj, payload in s.exec(
                    select(AuditRow.subject, AuditRow.payload)
                    .where(AuditRow.action == audit.CLAIMS_EXTRACTED)
                    .order_by(col(AuditRow.seq))
                )
            }
    finally:
        store.dispose()
    return rows, logged


def _rebuild(db: Path, workers: int) -> None:
    store = open_store(str(db))
    try:
        with store.session() as s:
            rebuild(s, workers)
            s.commit()
    finally:
        store.dispose()


def test_claims_the_same_wherever_quantities_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "corpus"
    write_corpus(folder, 30, seed=5)
    db = tmp_path / "ingested.db"

    def not_here(text: str) -> list[Found]:
        raise AssertionError("found again in the main process")

    # Ingest finds them with the extraction (ingest's own import), never in the update.
    with monkeypatch.context() as m:
        m.setattr(quantities, "find_quantities", not_here)
        store = open_store(str(db))
        report = ingest(store, [folder])
        store.dispose()
    assert report.ok and report.checks is not None and report.checks.claims > 10
    ingested = _claims_state(db)
    # match: found here (one worker), then in a process pool (two workers, any size).
    inline, pooled = tmp_path / "inline.db", tmp_path / "pooled.db"
    shutil.copy(db, inline)
    shutil.copy(db, pooled)
    _rebuild(inline, 1)
    monkeypatch.setattr(quantities, "PARALLEL_MIN_DOCUMENTS", 0)
    monkeypatch.setattr(quantities, "FIND_BATCH", 7)
    _rebuild(pooled, 2)
    assert _claims_state(inline) == ingested
    assert _claims_state(pooled) == ingested
    check_invariants(str(pooled))


def test_finding_pool_only_when_worth_it() -> None:
    with quantities.finding_pool(1, 10_000) as pool:
        assert pool is None
    with quantities.finding_pool(2, quantities.PARALLEL_MIN_DOCUMENTS - 1) as pool:
        assert pool is None
    with quantities.finding_pool(2, quantities.PARALLEL_MIN_DOCUMENTS) as pool:
        assert pool is not None
        assert pool.submit(
            quantities.find_batch, ["Police said nine people were arrested."]
        ).result()[0]
