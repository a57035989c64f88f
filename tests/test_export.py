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

from provenance.cells import FORMULA_START, neutralise
from provenance.cli import app
from provenance.conflicts import list_conflicts
from provenance.export import write_export
from provenance.export.records import SELECTOR_CONTEXT, iter_records
from provenance.review import review
from provenance.store import Store, open_store
from provenance.tables import ClaimRow, ClusterMemberRow, DocumentRow, QuoteRow
from tests.support import (
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
        n = write_export(s, "jsonl", out, **kw)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == n
    return rows


def test_every_jsonl_record_span_and_selector_match_the_source_text(store: Store) -> None:
    rows = _jsonl(store)
    with store.session() as s:
        texts = {d.id: d.text for d in s.exec(select(DocumentRow))}
        stored = len(s.exec(select(QuoteRow.id).where(QuoteRow.kind != "nonspeech")).all())
        claims = len(s.exec(select(ClaimRow.id)).all())
    assert [r["record_type"] for r in rows].count("quote") == stored > 0
    assert [r["record_type"] for r in rows].count("claim") == claims > 0
    assert len(rows) == stored + claims
    for r in rows:
        text = texts[r["document"]["id"]]
        assert text[r["start"] : r["end"]] == r["text"]
        sel = r["selector"]
        assert sel["type"] == "TextQuoteSelector" and sel["exact"] == r["text"]
        assert text[: r["start"]].endswith(sel["prefix"])
        assert text[r["end"] :].startswith(sel["suffix"])
        assert len(sel["prefix"]) == min(SELECTOR_CONTEXT, r["start"])
        for span in (r["speaker_mention"], r["cue"]):
            assert span is None or text[span["start"] : span["end"]] == span["text"]
        assert r["created_by"]["seq"] > 0
        assert r["review_status"] == "unreviewed" and r["review_history"] == []
        if r["record_type"] == "claim":
            q = r["claim"]["quantity"]
            assert text[q["start"] : q["end"]] == q["text"]
            assert r["start"] <= q["start"] < q["end"] <= r["end"]
            assert r["kind"] == "claim" and r["cluster_id"] is None
        else:
            assert r["extractor_version"] and r["claim"] is None


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


def test_reviews_come_from_the_log_and_clusters_and_flags_from_their_tables(store: Store) -> None:
    first = next(r["id"] for r in _jsonl(store) if r["record_type"] == "quote")
    with store.session() as s:
        review(s, first, "verified", "Checked the recording.", "Ana Ruiz")
        review(s, first, "disputed", "Second source disagrees.", "Bo Lindqvist")
        clusters = {
            q: str(c)
            for q, c in s.exec(select(ClusterMemberRow.quote_id, ClusterMemberRow.cluster_id))
        }
        flags = list_conflicts(s)
    records = _jsonl(store)
    record = next(r for r in records if r["id"] == first)
    assert record["review_status"] == "disputed"
    assert [(h["status"], h["by"]) for h in record["review_history"]] == [
        ("verified", "Ana Ruiz"),
        ("disputed", "Bo Lindqvist"),
    ]
    quotes = {r["id"]: r for r in records if r["record_type"] == "quote"}
    assert {q: r["cluster_id"] for q, r in quotes.items() if r["cluster_id"]} == {
        q: c for q, c in clusters.items() if q in quotes
    }
    assert {c.kind for c in flags} == {"misquote", "misattribution", "numeric"}
    expected: dict[tuple[object, ...], set[str]] = {}
    for c in flags:
        for ref in c.records:
            key = (ref.quote_id,) if ref.quote_id else (ref.document, ref.start, ref.end)
            expected.setdefault(key, set()).add(f"{c.kind}:{c.id}")
    found: dict[tuple[object, ...], set[str]] = {}
    for r in records:
        key = (
            (r["id"],)
            if r["record_type"] == "quote"
            else (r["document"]["id"], r["start"], r["end"])
        )
        if r["conflict_flags"]:
            found.setdefault(key, set()).update(r["conflict_flags"])
    assert found == expected


def test_flags_and_clusters_are_the_same_whatever_the_batch_size(store: Store) -> None:
    with store.session() as s:
        whole = [r.model_dump() for r in iter_records(s, batch=1000)]
        small = [r.model_dump() for r in iter_records(s, batch=2)]
    assert small == whole and any(r["conflict_flags"] for r in whole)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
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
    ],
)
def test_neutralise_follows_owasp_and_keeps_plain_text(raw: str, safe: str) -> None:
    assert neutralise(raw) == safe


def _formula_store(tmp_path: Path) -> Store:
    st = open_store(str(tmp_path / "f.db"))
    ingest_text(st, FORMULA_ARTICLE, "=cmd|' /C calc'!A0.txt")
    return st


def test_csv_of_quotes_beginning_with_formula_characters_has_no_formula_cell(
    tmp_path: Path,
) -> None:
    st = _formula_store(tmp_path)
    out = io.StringIO()
    with st.session() as s:
        n = write_export(s, "csv", out)
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


def test_prov_json_rereads_with_prov_and_relates_quotes_documents_speakers(store: Store) -> None:
    first = next(r["id"] for r in _jsonl(store) if r["record_type"] == "quote")
    with store.session() as s:
        review(s, first, "verified", "Checked.", "Ana Ruiz")
        out = io.StringIO()
        n = write_export(s, "prov-json", out)
        docs = len(s.exec(select(DocumentRow.id)).all())
        with_speaker = len(
            s.exec(
                select(QuoteRow.id).where(
                    QuoteRow.kind != "nonspeech", col(QuoteRow.speaker_id).is_not(None)
                )
            ).all()
        )
        claims = len(s.exec(select(ClaimRow.id)).all())
        flags = list_conflicts(s)
        clusters = {
            c
            for q, c in s.exec(
                select(QuoteRow.id, ClusterMemberRow.cluster_id).join(
                    ClusterMemberRow, col(ClusterMemberRow.quote_id) == QuoteRow.id
                )
            )
        }
        members = len(s.exec(select(ClusterMemberRow.quote_id)).all())
    doc = ProvDocument.deserialize(content=out.getvalue(), format="json")
    records = doc.get_records()
    by_type: dict[str, list[Any]] = {}
    for rec in records:
        by_type.setdefault(rec.get_type().localpart, []).append(rec)
    # documents, quotes and claims, clusters (collections) and conflict flags
    assert len(by_type["Entity"]) == docs + n + len(clusters) + len(flags)
    assert len(by_type["Membership"]) == members
    assert (
        claims
        and len([e for e in by_type["Entity"] if str(e.identifier).startswith("claim:")]) == claims
    )
    assert len(by_type["Attribution"]) == with_speaker
    derivations = by_type["Derivation"]
    assert len(derivations) == n
    quoted = [
        d
        for d in derivations
        if any(str(v) == "prov:Quotation" for v in d.get_attribute("prov:type"))
    ]
    assert 0 < len(quoted) < n  # direct and mixed quotes; paraphrase is plain derivation
    labels = {str(label) for a in by_type["Agent"] for label in a.get_attribute("prov:label")}
    assert {"Alicia Ramírez", "Ana Ruiz"} <= labels
    types = {
        str(label): {str(t) for t in a.get_attribute("prov:type")}
        for a in by_type["Agent"]
        for label in a.get_attribute("prov:label")
    }
    assert types["Alicia Ramírez"] == {"prov:Person"}  # a speaker
    assert types["Ana Ruiz"] == {"prov:Person"}  # a reviewer
    assert any(t == {"prov:SoftwareAgent"} for t in types.values())
    reviews = [
        a
        for a in by_type["Activity"]
        if any(str(t) == "pv:Review" for t in a.get_attribute("prov:type"))
    ]
    assert len(reviews) == 1
    runs = [
        a
        for a in by_type["Activity"]
        if any(str(t) == "pv:ExtractionRun" for t in a.get_attribute("prov:type"))
    ]
    assert len(runs) == docs
    raised = [
        a
        for a in by_type["Activity"]
        if any(str(t) == "pv:FlagRaised" for t in a.get_attribute("prov:type"))
    ]
    assert len(raised) == len(flags)
    flag_uses = [u for u in by_type["Usage"] if str(u.identifier).startswith("pv:flag-")]
    assert len(flag_uses) == sum(len(c.records) for c in flags)
    assert len(by_type["Generation"]) == n + len(flags)


@pytest.mark.filterwarnings("error")  # prov warns of a repeated key before it rejects it
def test_prov_json_of_many_batches_has_no_clashing_identifiers(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import provenance.export.prov as export_prov

    monkeypatch.setattr(export_prov, "FLUSH_EVERY", 5)
    out = io.StringIO()
    with store.session() as s:
        n = write_export(s, "prov-json", out)
    doc = ProvDocument.deserialize(content=out.getvalue(), format="json")
    generations = [r for r in doc.get_records() if r.get_type().localpart == "Generation"]
    with store.session() as s:
        flags = len(list_conflicts(s))
    assert len(generations) == n + flags and n > 5 * 3


def test_cli_export_writes_a_file_and_fails_cleanly(store: Store, tmp_path: Path) -> None:
    db = store.url.removeprefix("sqlite:///")
    target = tmp_path / "out.csv"
    ok = runner.invoke(app, ["export", "--format", "csv", "--out", str(target), "--db", db])
    assert ok.exit_code == 0, ok.output
    assert target.read_text(encoding="utf-8").startswith('"id","record_type","text"')
    missing_dir = runner.invoke(
        app, ["export", "--out", str(tmp_path / "no" / "x.jsonl"), "--db", db]
    )
    assert missing_dir.exit_code == 1 and "cannot write" in missing_dir.output
    nobody = runner.invoke(app, ["export", "--speaker", "Zebulon Quartermaine", "--db", db])
    assert nobody.exit_code == 3 and "no speaker matches" in nobody.output
    assert "Traceback" not in missing_dir.output + nobody.output


def test_csv_rows_carry_record_type_cluster_and_flag_summary(store: Store) -> None:
    raw = {r["id"]: r for r in _jsonl(store)}
    out = io.StringIO()
    with store.session() as s:
        write_export(s, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert len(rows) == len(raw)
    for row in rows:
        r = raw[row["id"]]
        assert row["record_type"] == r["record_type"]
        assert row["cluster_id"] == (r["cluster_id"] or "")
        assert row["conflict_flags"] == "; ".join(r["conflict_flags"])
    assert any(row["conflict_flags"] and row["record_type"] == "claim" for row in rows)
    assert any(row["conflict_flags"] and row["cluster_id"] for row in rows)


def test_exported_flag_names_lead_to_the_conflicts_listing_and_the_log(store: Store) -> None:
    db = store.url.removeprefix("sqlite:///")
    listed = runner.invoke(app, ["conflicts", "--format", "csv", "--db", db])
    assert listed.exit_code == 0, listed.output
    ids = {row["id"]: row["kind"] for row in csv.DictReader(io.StringIO(listed.stdout))}
    exported = runner.invoke(app, ["export", "--db", db])
    names = {n for line in exported.stdout.splitlines() for n in json.loads(line)["conflict_flags"]}
    assert names == {f"{kind}:{fid}" for fid, kind in ids.items()} and names
    for name in names:
        log = runner.invoke(
            app, ["log", "conflict:" + name.partition(":")[2], "--format", "jsonl", "--db", db]
        )
        (entry,) = [json.loads(line) for line in log.stdout.splitlines()]
        assert (
            entry["action"] == "flag.raised"
            and entry["payload"]["kind"] == ids[entry["payload"]["flag"]]
        )


def test_format_modules_import_records_never_the_package() -> None:
    # The package's __init__ dispatches to the format modules; a format module importing
    # it back would be an import cycle.
    folder = Path(__file__).resolve().parents[1] / "provenance" / "export"
    modules = sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")
    assert {p.stem for p in modules} >= {
        "records",
        "jsonl",
        "csv",
        "prov",
        "webanno",
        "claimreview",
    }
    for path in modules:
        source = path.read_text(encoding="utf-8")
        assert "from provenance.export import" not in source, path.name
        assert "import provenance.export\n" not in source, path.name
