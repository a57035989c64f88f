"""provenance export: JSON Lines spans and selectors, spreadsheet-safe CSV, PROV-JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from prov.model import ProvDocument
from sqlmodel import col, select
from typer.testing import CliRunner

from provenance import audit
from provenance.cli import app
from provenance.export import (
    FORMULA_START,
    SELECTOR_CONTEXT,
    export,
    iter_records,
    neutralise,
)
from provenance.review import review
from provenance.store import Store, open_store
from provenance.tables import DocumentRow, QuoteRow
from tests.audit_support import (
    FORMULA_ARTICLE,
    ingest_text,
    store_fixture,
    template_fixture,
)

runner = CliRunner()


template = template_fixture("export")


store = store_fixture()


def _jsonl(store: Store, **kw: Any) -> list[dict[str, Any]]:
    out = io.StringIO()
    with store.session() as s:
        n = export(s, "jsonl", out, **kw)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == n
    return rows


def test_every_jsonl_record_span_and_selector_match_the_source_text(store: Store) -> None:
    rows = _jsonl(store)
    with store.session() as s:
        texts = {d.id: d.text for d in s.exec(select(DocumentRow))}
        stored = len(s.exec(select(QuoteRow.id).where(QuoteRow.kind != "nonspeech")).all())
    assert len(rows) == stored > 0
    for r in rows:
        text = texts[r["document"]["id"]]
        assert text[r["start"]:r["end"]] == r["text"]
        sel = r["selector"]
        assert sel["type"] == "TextQuoteSelector" and sel["exact"] == r["text"]
        assert text[:r["start"]].endswith(sel["prefix"])
        assert text[r["end"]:].startswith(sel["suffix"])
        assert len(sel["prefix"]) == min(SELECTOR_CONTEXT, r["start"])
        for span in (r["speaker_mention"], r["cue"]):
            assert span is None or text[span["start"]:span["end"]] == span["text"]
        assert r["extractor_version"] and r["created_by"]["seq"] > 0
        assert r["review_status"] == "unreviewed" and r["review_history"] == []
        assert r["cluster_id"] is None and r["conflict_flags"] == []


def test_records_stream_in_document_order_whatever_the_batch_size(store: Store) -> None:
    with store.session() as s:
        whole = [r.id for r in iter_records(s, batch=1000)]
        small = [r.id for r in iter_records(s, batch=3)]
        with_nonspeech = [r.id for r in iter_records(s, include_nonspeech=True, batch=4)]
    assert small == whole and len(set(whole)) == len(whole)
    assert set(whole) < set(with_nonspeech)


def test_speaker_filter_accepts_any_spelling(store: Store) -> None:
    everyone = _jsonl(store)
    ramirez = _jsonl(store, speaker="Gov. Ramirez")
    assert ramirez and len(ramirez) < len(everyone)
    assert {r["speaker"] for r in ramirez} == {"Alicia Ramírez"}


def test_reviews_flags_and_clusters_from_the_log_appear_in_the_record(store: Store) -> None:
    first = _jsonl(store)[0]["id"]
    with store.session() as s:
        review(s, first, "verified", "Checked the recording.", "Ana Ruiz")
        review(s, first, "disputed", "Second source disagrees.", "Bo Lindqvist")
        for action, payload in [(audit.FLAG_RAISED, {"flag": "conflict"}),
                                (audit.FLAG_RAISED, {"flag": "misattributed"}),
                                (audit.FLAG_CLEARED, {"flag": "conflict"}),
                                (audit.CLUSTER_ASSIGNED, {"cluster": "c-17"})]:
            audit.record(s, action, audit.subject("quote", first), payload)
        s.commit()
    record = next(r for r in _jsonl(store) if r["id"] == first)
    assert record["review_status"] == "disputed"
    assert [(h["status"], h["by"]) for h in record["review_history"]] == [
        ("verified", "Ana Ruiz"), ("disputed", "Bo Lindqvist")]
    assert record["conflict_flags"] == ["misattributed"]
    assert record["cluster_id"] == "c-17"


@pytest.mark.parametrize(("raw", "safe"), [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
    ("@everyone", "'@everyone"),
    ("+1 for that", "'+1 for that"),
    ("-5 for the delay", "'-5 for the delay"),
    ("\tindented", "'\tindented"),
    ("\rcarriage", "'\rcarriage"),
    ("  =1+1", "'  =1+1"),
    ("＝1+1", "'＝1+1"),
    ("We will not rest", "We will not rest"),
    ("a = b", "a = b"),
    ("", ""),
])
def test_neutralise_follows_owasp_and_keeps_plain_text(raw: str, safe: str) -> None:
    assert neutralise(raw) == safe


def _formula_store(tmp_path: Path) -> Store:
    st = open_store(str(tmp_path / "f.db"))
    ingest_text(st, FORMULA_ARTICLE, "=cmd|' /C calc'!A0.txt")
    return st


def test_csv_of_quotes_beginning_with_formula_characters_has_no_formula_cell(
        tmp_path: Path) -> None:
    st = _formula_store(tmp_path)
    out = io.StringIO()
    with st.session() as s:
        n = export(s, "csv", out)
    raw = {r["id"]: r for r in _jsonl(st)}
    st.dispose()
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == n == 3
    starts = {raw[dict(zip(header, row, strict=True))["id"]]["text"][0] for row in body}
    assert starts == {"=", "@", "+"}  # the test data does hold formula starts
    for row in body:
        for cell in row:
            assert not cell.lstrip(" \t\r\n").startswith(FORMULA_START), cell
            assert not cell.startswith(("\t", "\r")), cell
        cells = dict(zip(header, row, strict=True))
        original = raw[cells["id"]]
        assert cells["text"] == "'" + original["text"]  # raw value recoverable via the id
        assert cells["path"] == "'" + original["document"]["path"]


def test_prov_json_rereads_with_prov_and_relates_quotes_documents_speakers(
        store: Store) -> None:
    first = _jsonl(store)[0]["id"]
    with store.session() as s:
        review(s, first, "verified", "Checked.", "Ana Ruiz")
        out = io.StringIO()
        n = export(s, "prov-json", out)
        docs = len(s.exec(select(DocumentRow.id)).all())
        with_speaker = len(s.exec(select(QuoteRow.id).where(
            QuoteRow.kind != "nonspeech", col(QuoteRow.speaker_id).is_not(None))).all())
    doc = ProvDocument.deserialize(content=out.getvalue(), format="json")
    records = doc.get_records()
    by_type: dict[str, list[Any]] = {}
    for rec in records:
        by_type.setdefault(rec.get_type().localpart, []).append(rec)
    assert len(by_type["Entity"]) == docs + n
    assert len(by_type["Attribution"]) == with_speaker
    derivations = by_type["Derivation"]
    assert len(derivations) == n
    quoted = [d for d in derivations if any(str(v) == "prov:Quotation" for v in
                                            d.get_attribute("prov:type"))]
    assert 0 < len(quoted) < n  # direct and mixed quotes; paraphrase is plain derivation
    labels = {str(label) for a in by_type["Agent"] for label in a.get_attribute("prov:label")}
    assert {"Alicia Ramírez", "Ana Ruiz"} <= labels
    types = {str(label): {str(t) for t in a.get_attribute("prov:type")}
             for a in by_type["Agent"] for label in a.get_attribute("prov:label")}
    assert types["Alicia Ramírez"] == {"prov:Person"}  # a speaker
    assert types["Ana Ruiz"] == {"prov:Person"}  # a reviewer
    assert any(t == {"prov:SoftwareAgent"} for t in types.values())
    reviews = [a for a in by_type["Activity"] if any(str(t) == "pv:Review" for t in
                                                     a.get_attribute("prov:type"))]
    assert len(reviews) == 1
    runs = [a for a in by_type["Activity"] if any(str(t) == "pv:ExtractionRun" for t in
                                                  a.get_attribute("prov:type"))]
    assert len(runs) == docs
    assert len(by_type["Generation"]) == n


def test_prov_json_of_many_batches_has_no_clashing_identifiers(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import provenance.export_prov as export_prov

    monkeypatch.setattr(export_prov, "BATCH", 5)
    out = io.StringIO()
    with store.session() as s:
        n = export(s, "prov-json", out)
    doc = ProvDocument.deserialize(content=out.getvalue(), format="json")
    generations = [r for r in doc.get_records() if r.get_type().localpart == "Generation"]
    assert len(generations) == n > 5 * 3


def test_cli_export_writes_a_file_and_fails_cleanly(store: Store, tmp_path: Path) -> None:
    db = store.url.removeprefix("sqlite:///")
    target = tmp_path / "out.csv"
    ok = runner.invoke(app, ["export", "--format", "csv", "--out", str(target), "--db", db])
    assert ok.exit_code == 0, ok.output
    assert target.read_text(encoding="utf-8").startswith('"id","text"')
    missing_dir = runner.invoke(app, ["export", "--out", str(tmp_path / "no" / "x.jsonl"),
                                      "--db", db])
    assert missing_dir.exit_code == 1 and "cannot write" in missing_dir.output
    nobody = runner.invoke(app, ["export", "--speaker", "Zebulon Quartermaine", "--db", db])
    assert nobody.exit_code == 3 and "no speaker matches" in nobody.output
    assert "Traceback" not in missing_dir.output + nobody.output
