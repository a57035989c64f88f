"""The audit log: canonical JSON and hash contract, entries written by ingest, concurrency."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select

from provenance import audit
from provenance.batch import WriteBatch
from provenance.ingest import ingest
from provenance.store import open_store
from provenance.tables import (
    ClaimRow,
    ClusterMemberRow,
    ConflictRow,
    DocumentRow,
    MergeRow,
    QuoteRow,
    SpeakerRow,
)
from provenance.verify import verify
from tests.support import (
    SAMPLES,
    copy_db,
    ingest_text,
    run_appenders,
    template_fixture,
)

template = template_fixture("audit")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": 2}, '{"a":2,"b":1}'),
        ({"name": "Alicia Ramírez"}, '{"name":"Alicia Ramírez"}'),
        ({"quote": "“We will not rest,” she said"}, '{"quote":"“We will not rest,” she said"}'),
        ({"z": [3, 1, 2], "a": {"y": None, "x": True}}, '{"a":{"x":true,"y":null},"z":[3,1,2]}'),
        ({"score": 87.5, "n": 0}, '{"n":0,"score":87.5}'),
    ],
)
def test_canonical_json_sorts_keys_keeps_unicode_and_list_order(
    value: object, expected: str
) -> None:
    assert audit.canonical_json(value) == expected


@pytest.mark.parametrize("bad", [{"x": float("nan")}, {"x": float("inf")}, {"x": {1, 2}}])
def test_canonical_json_refuses_values_without_one_json_form(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        audit.canonical_json(bad)


def test_entry_hash_is_sha256_of_canonical_json_without_hash_field() -> None:
    body = {
        "seq": 1,
        "ts": "2026-03-12T05:00:00.000000Z",
        "actor": "person:Ana Ruiz",
        "action": "review",
        "subject": "quote:abc",
        "payload": {"status": "verified"},
        "prev_hash": audit.GENESIS,
    }
    want = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    assert audit.entry_hash(body) == want
    assert audit.entry_hash({**body, "hash": "anything"}) == want
    assert audit.entry_hash({**body, "actor": "person:Bo"}) != want


def test_ingest_logs_every_document_run_speaker_and_merge(template: Path, tmp_path: Path) -> None:
    store = copy_db(template, tmp_path / "t.db")
    with store.session() as s:
        entries = list(audit.iter_entries(s))
        by_action: dict[str, list[audit.AuditEntry]] = {}
        for e in entries:
            by_action.setdefault(e.action, []).append(e)
        docs = s.exec(select(DocumentRow)).all()
        assert len(by_action[audit.DOCUMENT_INGESTED]) == len(docs)
        for e in by_action[audit.DOCUMENT_INGESTED]:
            doc = s.get(DocumentRow, e.payload["sha256"])
            assert doc is not None and e.subject == f"document:{doc.id}"
            assert e.payload["size"] == doc.size == len(doc.text)
            assert e.payload["path"] == doc.path
        logged_quotes = [q for e in by_action[audit.EXTRACTION_RUN] for q in e.payload["quotes"]]
        assert len(logged_quotes) == s.exec(select(func.count()).select_from(QuoteRow)).one()
        assert all(e.payload["extractor_version"] for e in by_action[audit.EXTRACTION_RUN])
        for q in logged_quotes:
            row = s.get(QuoteRow, q["id"])
            assert row is not None
            assert (q["start"], q["end"], q["rule"], q["confidence"]) == (
                row.start,
                row.end,
                row.rule,
                row.confidence,
            )
            assert q["text_sha256"] == hashlib.sha256(row.text.encode()).hexdigest()
        speakers = s.exec(select(func.count()).select_from(SpeakerRow)).one()
        assert len(by_action[audit.SPEAKER_CREATED]) == speakers
        merges = s.exec(select(MergeRow)).all()
        assert len(by_action.get(audit.SPEAKER_MERGED, [])) == len(merges) > 0
        for e in by_action[audit.SPEAKER_MERGED]:
            assert 0 <= e.payload["score"] <= 100 and e.payload["evidence"]
    store.dispose()


def test_chain_links_every_entry_to_the_one_before(template: Path, tmp_path: Path) -> None:
    store = copy_db(template, tmp_path / "t.db")
    with store.session() as s:
        entries = list(audit.iter_entries(s, batch=7))  # batches cross entry boundaries
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    assert all(audit.entry_hash(e.body()) == e.hash for e in entries)
    assert all(e.ts.endswith("Z") for e in entries)
    store.dispose()


def test_record_appends_in_the_callers_transaction(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "t.db"))
    with store.session() as s:
        audit.record(s, audit.FLAG_RAISED, "quote:q0", {"flag": "conflict"})
        s.rollback()
        assert audit.head(s) is None  # rolled back with the change it described
        first = audit.record(s, audit.FLAG_RAISED, "quote:q1", {"flag": "conflict"})
        second = audit.record(
            s,
            audit.FLAG_CLEARED,
            "quote:q1",
            {"flag": "conflict"},
            actor=audit.person_actor("Ana Ruiz"),
        )
        s.commit()
        head = audit.head(s)
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash
    assert head is not None and head.hash == second.hash and head.actor == "person:Ana Ruiz"
    store.dispose()


def test_a_failed_ingest_leaves_neither_document_nor_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(str(tmp_path / "t.db"))
    ingest_text(store, "“The water is safe,” said Mayor Lena Ortiz on Monday.", "a.txt")

    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "log_extraction", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_text(store, "“The bridge reopens in May,” said Mayor Lena Ortiz.", "b.txt")
    with store.session() as s:
        # The document.ingested entry of b.txt was appended, then rolled back with it.
        assert [
            e.payload["path"] for e in audit.iter_entries(s, action=audit.DOCUMENT_INGESTED)
        ] == ["a.txt"]
        assert s.exec(select(func.count()).select_from(DocumentRow)).one() == 1
    store.dispose()


def test_two_processes_appending_at_once_keep_one_unbroken_chain(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    run_appenders(db, 2, 25)
    store = open_store(db)
    with store.session() as s:
        entries = list(audit.iter_entries(s))
    assert len(entries) == 50
    assert [e.seq for e in entries] == list(range(1, 51))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert {e.subject for e in entries} == {f"quote:w{w}-{i}" for w in range(2) for i in range(25)}
    store.dispose()


@pytest.mark.parametrize(
    ("query", "expected_kinds"),
    [
        ("document:", {"document"}),
        ("speaker:", {"speaker"}),
    ],
)
def test_list_entries_filters_by_subject(
    template: Path, tmp_path: Path, query: str, expected_kinds: set[str]
) -> None:
    store = copy_db(template, tmp_path / "t.db")
    with store.session() as s:
        kinds = {e.subject.partition(":")[0] for e in audit.list_entries(s, query)}
        limited = list(audit.list_entries(s, query, limit=2))
    assert kinds == expected_kinds
    assert len(limited) == 2
    store.dispose()


def test_ingest_logs_each_cluster_membership_flag_and_claim_set(
    template: Path, tmp_path: Path
) -> None:
    store = copy_db(template, tmp_path / "t.db")
    with store.session() as s:
        entries = list(audit.iter_entries(s))
        members = {m.quote_id: m.cluster_id for m in s.exec(select(ClusterMemberRow))}
        flags = {f.id: f for f in s.exec(select(ConflictRow))}
        claim_docs = set(s.exec(select(ClaimRow.document_id)).all())
        n_claims = s.exec(select(func.count()).select_from(ClaimRow)).one()
    last_cluster: dict[str, object] = {}
    for e in entries:
        if e.action == audit.CLUSTER_ASSIGNED:
            assert e.subject.startswith("quote:")
            assert e.payload["reason"] in ("new", "joined", "merged")
            if e.payload["reason"] == "joined":
                assert e.payload["relation"] in ("same", "fragment", "variant")
                assert 0 <= e.payload["score"] <= 100 and e.payload["matched"] in members
            last_cluster[e.subject.removeprefix("quote:")] = e.payload["cluster"]
    assert last_cluster == members and len({*members.values()}) < len(members)
    raised = [e for e in entries if e.action == audit.FLAG_RAISED]
    # Samples raise each flag once and nothing clears them during ingest.
    assert sorted(e.subject for e in raised) == sorted(f"conflict:{f}" for f in flags)
    assert not [e for e in entries if e.action == audit.FLAG_CLEARED]
    for e in raised:
        row = flags[e.payload["flag"]]
        assert (e.payload["kind"], e.payload["score"], e.payload["scope"]) == (
            row.kind,
            row.score,
            row.scope,
        )
        assert {r["quote"] for r in e.payload["records"]} <= {*members, None}
        assert len(e.payload["records"]) >= 2  # a conflict is between records
    runs = [e for e in entries if e.action == audit.CLAIMS_EXTRACTED]
    assert {e.subject.removeprefix("document:") for e in runs} == claim_docs
    assert sum(len(e.payload["claims"]) for e in runs) == n_claims > 0
    store.dispose()


def test_a_failed_cluster_update_rolls_back_its_entries_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(str(tmp_path / "t.db"))

    def broken(*_args: object, **_kw: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(audit, "log_flag", broken)
    report = ingest(store, [SAMPLES])
    assert report.new == 7 and any(
        "clusters and flags not updated" in p.message for p in report.problems
    )
    with store.session() as s:
        actions = {e.action for e in audit.iter_entries(s)}
        assert s.exec(select(func.count()).select_from(ConflictRow)).one() == 0
        assert s.exec(select(func.count()).select_from(ClusterMemberRow)).one() == 0
        assert verify(s).ok
    # Documents and their extraction stay; no membership or claim entry outlived its change.
    assert audit.EXTRACTION_RUN in actions
    assert not actions & {audit.CLUSTER_ASSIGNED, audit.CLAIMS_EXTRACTED, *audit.FLAG_ACTIONS}
    store.dispose()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"alias": "Lena Ortiz", "score": 93.33333333333333, "evidence": "surname+title"},
        {"title": "Café “Ñandú” reopens — 100 %", "published": None, "size": 0},
        {"quotes": [{"id": "ab", "speaker": [3, 17], "confidence": 0.85}], "n": -1, "ok": True},
    ],
)
def test_record_hashes_as_the_contract_says(tmp_path: Path, payload: dict[str, object]) -> None:
    """The fast path serialises the payload once; its hash must still be entry_hash(body)."""
    store = open_store(str(tmp_path / "t.db"))
    with store.write_session() as s:
        WriteBatch.of(s).hold_audit = True
        first = audit.record(s, "review", "quote:ab12", payload, "person:Ana Ruíz “Ñ”")
        second = audit.record(s, "review", "quote:ab12", payload)
        s.commit()
    for entry in (first, second):
        assert entry.hash == audit.entry_hash(entry.body())
    with store.session() as s:
        stored = list(audit.iter_entries(s))
    assert stored == [first, second] and second.prev_hash == first.hash
    store.dispose()
